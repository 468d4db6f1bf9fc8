#!/usr/bin/env perl
# The deploy hook of paddock's Blank Perl Project (Helicon Zoo's deploy file, for Linux).
#
# paddock runs it with the app's environment (SECRET_KEY, DATABASE_URL, PADDOCK_DATA_DIR,
# PERL5LIB) in the app's folder before the workers serve: after the install, and at launch or
# restart when the app's files changed. Its output goes to the deploy log. In order:
#   1. load the application (app.psgi): a syntax error fails here, not in the workers
#   2. migrate    apply the migrations/NNN-*.sql files not applied yet, each in a transaction
#                 (DBI, DBD::SQLite), recording each in the table schema_migrations
#   3. static     nothing to do: the app serves public/ itself
# A failure ends it with one line on stderr ("deploy.pl: ...") and a non-zero status, so
# paddock keeps the running version serving. Running it again is harmless.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Plack::Util;
use Time::HiRes qw(time);
use {{app_class}}::Database;

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

step('load app.psgi', sub { Plack::Util::load_psgi("$FindBin::Bin/app.psgi") });
step(
  'migrate the database',
  sub {
    my @applied = {{app_class}}::Database->migrate("$FindBin::Bin/migrations");
    print "    applied: ", (@applied ? join(', ', @applied) : 'nothing new'), " (", {{app_class}}::Database->file, ")\n";
  }
);
step('static files', sub { print "    nothing to collect: the app serves public/ itself\n" });
print "deploy.pl: done\n";
exit 0;
