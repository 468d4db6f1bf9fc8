package {{app_class}};
# The application: a plain PSGI app (a code reference taking the request's environment).
use strict;
use warnings;
use Plack::Request;
use {{app_class}}::Database;

my $page = do { local $/; <DATA> };

sub html_escape { my $s = shift; $s =~ s/([&<>"'])/'&#' . ord($1) . ';'/ge; $s }

sub to_app {
  # Host names this app answers for (ALLOWED_HOSTS, comma-separated); other hosts get 400.
  my %allowed = map { (lc($_) =~ s/^\[(.*)\]\z/$1/r) => 1 } grep {length} split /\s*,\s*/,
    ($ENV{ALLOWED_HOSTS} // $ENV{PADDOCK_ALLOWED_HOSTS} // '127.0.0.1,localhost,[::1]');
  my $dbh;
  my $dbh_pid = 0;
  return sub {
    my $req  = Plack::Request->new(shift);
    my $host = lc($req->uri->host // '') =~ s/^\[(.*)\]\z/$1/r;
    return [400, ['Content-Type' => 'text/plain'], ["Bad Request: host not allowed\n"]] unless $allowed{$host};
    return [404, ['Content-Type' => 'text/plain'], ["Not Found\n"]] unless $req->path_info eq '/';
    # One connection per worker process, made on its first request.
    ($dbh, $dbh_pid) = ({{app_class}}::Database->connect, $$) unless $dbh && $dbh_pid == $$;
    $dbh->do('INSERT INTO page_views (path) VALUES (?)', undef, '/');
    my ($views) = $dbh->selectrow_array('SELECT count(*) FROM page_views');
    my $body = $page =~ s/\{views\}/$views/r =~ s/\{message\}/html_escape('Your paddock Perl app is running')/er;
    return [200, ['Content-Type' => 'text/html; charset=utf-8'], [$body]];
  };
}

1;
__DATA__
<!DOCTYPE html>
<html>
  <head>
    <title>{{app_name}}</title>
    <link rel="stylesheet" href="/static/css/site.css">
  </head>
  <body>
    <h1>{{app_name}}</h1>
    <p>{message}.</p>
    <p>This page has been viewed {views} times (SQLite, through DBI and DBD::SQLite).</p>
    <p>Edit <code>lib/{{app_class}}.pm</code>, then <code>paddock restart {{paddock_app}}</code>.</p>
  </body>
</html>
