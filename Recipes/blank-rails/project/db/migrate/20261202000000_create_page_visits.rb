class CreatePageVisits < ActiveRecord::Migration[6.1]
  def change
    create_table :page_visits do |t|
      t.integer :count, null: false, default: 0
      t.timestamps
    end
  end
end
