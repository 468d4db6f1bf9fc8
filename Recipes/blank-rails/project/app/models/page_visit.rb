# The home page's visit counter, one row made by the first migration (db/migrate), applied by
# the deploy hook (bin/deploy runs `rails db:migrate`).
class PageVisit < ApplicationRecord
  # One UPDATE, then a read: no transaction that reads then writes, which SQLite answers with
  # "database is locked" at once (not after its busy timeout) when another process writes, as
  # the deploy hook's migrations do while the running workers serve.
  def self.increment!
    where(id: 1).update_all("count = count + 1, updated_at = CURRENT_TIMESTAMP")
    where(id: 1).pick(:count) || 0
  end
end
