# The home page's visit counter: one row, made here so that a request only ever runs one
# UPDATE (app/models/page_visit.rb).
class CreatePageVisits < ActiveRecord::Migration[6.1]
  def up
    create_table :page_visits do |t|
      t.integer :count, null: false, default: 0
      t.timestamps
    end
    execute "INSERT INTO page_visits (id, count, created_at, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
  end

  def down
    drop_table :page_visits
  end
end
