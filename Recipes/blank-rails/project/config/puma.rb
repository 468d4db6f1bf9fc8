# Puma in cluster mode, under paddock's supervisor. paddock's engine (ruby-puma) gives the bind
# address, the worker count (--workers) and the environment on the command line; this file gives
# the rest.
#
# No preload_app!: a phased restart (SIGUSR1, paddock's reload) replaces one worker at a time and
# each new worker loads the app's code itself, so a restart serves the changed code while the
# other workers go on answering. With preload_app! Puma would ignore the phased restart.
max_threads_count = ENV.fetch("RAILS_MAX_THREADS") { 5 }
min_threads_count = ENV.fetch("RAILS_MIN_THREADS") { max_threads_count }
threads min_threads_count, max_threads_count

# A worker asked to stop (restart, memory limit) finishes its requests within this time.
worker_shutdown_timeout Integer(ENV.fetch("PUMA_WORKER_SHUTDOWN_TIMEOUT") { 30 })
