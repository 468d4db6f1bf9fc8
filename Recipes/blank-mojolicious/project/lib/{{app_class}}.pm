package {{app_class}};
use Mojo::Base 'Mojolicious', -signatures;

use Mojo::File qw(path);
use Mojo::SQLite;
use Mojo::Util qw(url_unescape);

# Runs once per process at server start (in the pre-forking manager, before the workers fork).
sub startup ($self) {

  # Settings that are not secrets, from {{app_name}}.yml (no secrets in the tree).
  my $config = $self->plugin('NotYAMLConfig', {file => $self->home->child('{{app_name}}.yml')->to_string});

  # The secret comes from the environment (paddock generates it into the app's private
  # environment file); in production there is no fallback: a missing secret stops the start.
  my $secret = $ENV{SECRET_KEY} || $ENV{PADDOCK_SECRET_KEY};
  if (!$secret) {
    die "SECRET_KEY is not set. Set it in the environment (paddock keeps it in the app's env file)\n"
      if $self->mode eq 'production';
    $secret = 'development-only-secret';
  }
  $self->secrets([$secret]);

  # The database: DATABASE_URL (sqlite:////abs/path or sqlite:///relative), else
  # $PADDOCK_DATA_DIR/db.sqlite3, else data/db.sqlite3 in the app's folder. The deploy hook
  # runs the migrations (script/{{app_name}} eval or deploy.pl); the app does not.
  my $file = $self->database_file;
  path($file)->dirname->make_path;
  my $sqlite = Mojo::SQLite->new->from_filename($file);
  $sqlite->migrations->name('{{app_name}}')->from_file($self->home->child('migrations', '{{app_name}}.sql'));
  $self->helper(sqlite => sub {$sqlite});

  # Host names this app answers for (ALLOWED_HOSTS, comma-separated); other hosts get 400.
  # /healthz answers first, whatever the Host, so paddock's probe does not depend on it.
  my %allowed = map { (lc($_) =~ s/^\[(.*)\]\z/$1/r) => 1 } grep {length} split /\s*,\s*/,
    ($ENV{ALLOWED_HOSTS} // $ENV{PADDOCK_ALLOWED_HOSTS} // '127.0.0.1,localhost,[::1]');
  $self->hook(
    before_dispatch => sub ($c) {
      my $url = $c->req->url;
      return $c->render(text => "ok\n", format => 'txt') if $url->path eq '/healthz';
      my $host = lc($url->to_abs->host // '') =~ s/^\[(.*)\]\z/$1/r;
      $c->render(text => "Bad Request: host not allowed\n", format => 'txt', status => 400) unless $allowed{$host};
    }
  );

  my $r = $self->routes;
  $r->get('/')->to('Example#welcome');
}

# Where the SQLite database lives (see startup).
sub database_file ($self) {
  my $url = $ENV{DATABASE_URL} // '';
  if (length $url) {
    die "DATABASE_URL must be a sqlite: URL for this template (sqlite:////absolute/path.sqlite3), not '$url'\n"
      unless $url =~ m{^sqlite:///(.+)\z};
    my $name = url_unescape($1);
    return $name =~ m{^/} ? $name : $self->home->child($name)->to_string;
  }
  my $folder = $ENV{PADDOCK_DATA_DIR} || $self->home->child('data')->to_string;
  return path($folder, 'db.sqlite3')->to_string;
}

1;
