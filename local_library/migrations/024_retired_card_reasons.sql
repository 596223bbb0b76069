-- Why each card number was retired (issue 17): the desk and Min side say "upgraded to a national card" or
-- "erased" rather than "reported lost" for every retired number. Numbers retired before this migration were
-- all recorded the same way; they are kept as 'lost', which is what the pages said of them then.
ALTER TABLE retired_cards ADD COLUMN reason text NOT NULL DEFAULT 'lost'
    CHECK (reason IN ('lost', 'upgraded', 'erased', 'opted_out', 'unlinked'));
ALTER TABLE retired_cards ALTER COLUMN reason DROP DEFAULT;
