# Answers GET /healthz with 200 "ok" and passes every other request on. Placed before Rails'
# host authorization, sessions and the database (config/application.rb).
class PaddockHealth
  def initialize(app)
    @app = app
  end

  def call(env)
    return @app.call(env) unless env["PATH_INFO"] == "/healthz"
    [200, { "Content-Type" => "text/plain", "Cache-Control" => "no-store" }, ["ok\n"]]
  end
end
