use Mojo::Base -strict;

use Test::More;
use Test::Mojo;
use File::Temp qw(tempdir);

# A throw-away database, migrated as the deploy hook does.
local $ENV{DATABASE_URL}  = 'sqlite:///' . tempdir(CLEANUP => 1) . '/test.sqlite3';
local $ENV{SECRET_KEY}    = 'test-secret';
my $t = Test::Mojo->new('{{app_class}}');
$t->app->sqlite->migrations->migrate;
$t->get_ok('/healthz')->status_is(200)->content_is("ok\n");
$t->get_ok('/')->status_is(200)->content_like(qr/Your paddock Mojolicious app is running/);

done_testing();
