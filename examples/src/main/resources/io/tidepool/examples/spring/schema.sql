CREATE TABLE IF NOT EXISTS note (
    id bigserial PRIMARY KEY,
    title text NOT NULL CHECK (title <> ''),
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS note_tag (
    note_id bigint NOT NULL REFERENCES note (id),
    tag text NOT NULL CONSTRAINT tag_format CHECK (tag ~ '^[a-z0-9-]{1,32}$'),
    PRIMARY KEY (note_id, tag)
);
