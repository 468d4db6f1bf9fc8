class HomeController < ApplicationController
  def index
    @app_name = Rails.configuration.x.app_name
    @migrations = ActiveRecord::Base.connection.migration_context.get_all_versions.size
    @visits = PageVisit.increment!
  end
end
