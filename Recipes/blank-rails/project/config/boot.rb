# paddock's Blank Rails Project runs on Debian's packaged gems (ruby-rails, puma, ruby-sqlite3,
# ruby-pg) without Bundler, so nothing is fetched from RubyGems at install or at run time. An app
# that is given a Gemfile (to run on a host with RubyGems) is set up by Bundler as usual.
ENV['BUNDLE_GEMFILE'] ||= File.expand_path('../Gemfile', __dir__)
require "bundler/setup" if File.exist?(ENV['BUNDLE_GEMFILE'])
