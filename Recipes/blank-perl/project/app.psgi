# The PSGI entry point: Starman (under Server::Starter) loads it once per generation, in the
# master (--preload-app), before forking the workers.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
# This file's folder (not FindBin's, which is the program's: /usr/bin/starman under Starman).
my $root;
BEGIN { $root = File::Spec->rel2abs(dirname(__FILE__)) }
use lib "$root/lib";
use Plack::Builder;
use {{app_class}};

builder {
  # paddock's probe: answered before the host check and the database, whatever the Host.
  mount '/healthz' => sub { [200, ['Content-Type' => 'text/plain'], ["ok\n"]] };
  mount '/' => builder {
    # /static/css/site.css is public/css/site.css.
    enable 'Static', path => sub { s{^/static/}{/} }, root => "$root/public";
    {{app_class}}->to_app;
  };
};
