use strict;
use warnings;
use Test::More;
use Plack::Test;
use Plack::Util;
use HTTP::Request::Common;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/../lib";
use {{app_class}}::Database;

# A throw-away database, migrated as the deploy hook does.
$ENV{DATABASE_URL} = 'sqlite:///' . tempdir(CLEANUP => 1) . '/test.sqlite3';
{{app_class}}::Database->migrate("$FindBin::Bin/../migrations");
my $test = Plack::Test->create(Plack::Util::load_psgi("$FindBin::Bin/../app.psgi"));
is $test->request(GET 'http://127.0.0.1/healthz')->content, "ok\n", '/healthz';
my $home = $test->request(GET 'http://127.0.0.1/');
is $home->code, 200, 'GET /';
like $home->content, qr/Your paddock Perl app is running/, 'the page';
is $test->request(GET 'http://evil.example/')->code, 400, 'an unknown host';
is $test->request(GET 'http://127.0.0.1/static/css/site.css')->code, 200, 'a static file';

done_testing();
