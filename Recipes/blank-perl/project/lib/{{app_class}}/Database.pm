package {{app_class}}::Database;
# The app's SQLite database (DBI + DBD::SQLite) and its migrations.
use strict;
use warnings;
use DBI;
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Spec;

my $home = File::Spec->rel2abs(dirname(__FILE__) . '/../..');

# DATABASE_URL (sqlite:////absolute/path or sqlite:///relative, the dj-database-url forms),
# else $PADDOCK_DATA_DIR/db.sqlite3, else data/db.sqlite3 in the app's folder.
sub file {
  my $url = $ENV{DATABASE_URL} // '';
  if (length $url) {
    die "DATABASE_URL must be a sqlite: URL for this template (sqlite:////absolute/path.sqlite3), not '$url'\n"
      unless $url =~ m{^sqlite:///(.+)\z};
    (my $name = $1) =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $name =~ m{^/} ? $name : "$home/$name";
  }
  return ($ENV{PADDOCK_DATA_DIR} || "$home/data") . '/db.sqlite3';
}

# A new connection (one per worker: a DBI handle must not cross a fork).
sub connect {
  my $file = file();
  make_path(dirname($file));
  my $dbh = DBI->connect("dbi:SQLite:dbname=$file", '', '',
    {RaiseError => 1, PrintError => 0, AutoCommit => 1, sqlite_unicode => 1, sqlite_allow_multiple_statements => 1});
  # Readers do not block the writer; a busy database is waited for, not failed.
  $dbh->do('PRAGMA journal_mode = WAL');
  $dbh->sqlite_busy_timeout(5000);
  return $dbh;
}

# Applies every migrations/NNN-name.sql not in schema_migrations yet, in name order, each with
# its record in one transaction; returns the names applied.
sub migrate {
  my ($class, $folder) = @_;
  my $dbh = $class->connect;
  $dbh->do('CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  my %done = map { $_->[0] => 1 } @{$dbh->selectall_arrayref('SELECT version FROM schema_migrations')};
  opendir(my $dir, $folder) or die "cannot read $folder: $!\n";
  my @files = sort grep {/^\d+-[\w.-]+\.sql\z/} readdir $dir;
  closedir $dir;
  my @applied;
  for my $name (@files) {
    (my $version = $name) =~ s/\.sql\z//;
    next if $done{$version};
    open(my $in, '<:encoding(UTF-8)', "$folder/$name") or die "cannot read $folder/$name: $!\n";
    my $sql = do { local $/; <$in> };
    $dbh->begin_work;
    eval {
      $dbh->do($sql);
      $dbh->do("INSERT INTO schema_migrations (version, applied_at) VALUES (?, datetime('now'))", undef, $version);
      $dbh->commit;
      1;
    } or do {
      my $error = $@;
      eval { $dbh->rollback };
      die "migration $name failed: $error";
    };
    push @applied, $version;
  }
  return @applied;
}

1;
