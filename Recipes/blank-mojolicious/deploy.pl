#!/usr/bin/env perl
# The deploy hook of paddock's Blank Mojolicious Project (Helicon Zoo's deploy file, for Linux).
#
# paddock runs it with the app's environment (SECRET_KEY, DATABASE_URL, PADDOCK_DATA_DIR,
# MOJO_MODE=production, PERL5LIB) in the app's folder before the workers serve: after the
# install, and at launch or restart when the app's files changed. Its output goes to the
# deploy log. In order:
#   1. load the application ({{app_class}}->startup): a missing secret fails here
#   2. migrate    Mojo::SQLite migrations from migrations/{{app_name}}.sql, to the newest
#   3. static     nothing to do: Mojolicious serves public/ itself
# A failure ends it with one line on stderr ("deploy.pl: ...") and a non-zero status, so
# paddock keeps the running version serving. Running it again is harmless.
use Mojo::Base -strict;
use FindBin;
use lib "$FindBin::Bin/lib";
use Mojo::Server;
use Time::HiRes qw(time);

$| = 1;
chdir $FindBin::Bin or fail("cannot enter $FindBin::Bin: $!");

sub fail { print STDERR "deploy.pl: $_[0]\n"; exit 1 }

sub step {
  my ($title, $action) = @_;
  print "==> $title\n";
  my $started = time;
  my $result  = eval { $action->() };
  if (my $error = $@) { $error =~ s/\s+\z//; fail("$title failed: $error; deploy stopped") }
  printf "    done after %.1fs\n", time - $started;
  return $result;
}

my $app = step('load {{app_class}}', sub { Mojo::Server->new->build_app('{{app_class}}') });
step(
  'migrate the database',
  sub {
    my $migrations = $app->sqlite->migrations;
    my $before     = $migrations->active;
    $migrations->migrate;
    printf "    %s: version %d -> %d (latest %d) in %s\n", $migrations->name, $before, $migrations->active,
      $migrations->latest, $app->database_file;
  }
);
step('static files', sub { print "    nothing to collect: Mojolicious serves public/ itself\n" });
print "deploy.pl: done\n";
exit 0;
