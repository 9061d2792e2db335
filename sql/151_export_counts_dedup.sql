-- Like every other rollup, the partner datasets' day counts keep a deduplication window, so that an
-- insert repeated with the same deduplication token (a retry after a lost answer) is stored once.
ALTER TABLE tellen.rollup_export_counts_daily MODIFY SETTING non_replicated_deduplication_window = 10000;
