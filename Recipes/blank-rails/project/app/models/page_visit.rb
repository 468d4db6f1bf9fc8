# One row counting the home page's visits: the table comes from db/migrate, applied by the
# deploy hook (bin/deploy runs `rails db:migrate`).
class PageVisit < ApplicationRecord
  def self.increment!
    transaction do
      row = first_or_create!(count: 0)
      row.increment!(:count)
      row.count
    end
  end
end
