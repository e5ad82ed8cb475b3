/**
 * The PostgreSQL schema, one numbered step per change, applied in order by `openPgDatabase` and recorded in
 * `schema_migrations`. A step is never edited once released: a change is a new step.
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "chats, sessions, login throttle, principals",
    sql: `
CREATE TABLE chats (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  title TEXT NOT NULL,
  models JSONB NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  settings JSONB,
  seq BIGSERIAL
);
CREATE INDEX chats_by_owner ON chats (owner, updated_at DESC, seq DESC);
CREATE TABLE messages (
  id BIGSERIAL PRIMARY KEY,
  chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  turn INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  model TEXT,
  content TEXT NOT NULL,
  status TEXT NOT NULL,
  meta JSONB,
  created_at BIGINT NOT NULL,
  replica INTEGER
);
CREATE INDEX messages_by_chat ON messages (chat_id, turn, id);
CREATE INDEX messages_streaming ON messages (replica) WHERE status = 'streaming';
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE throttle_counters (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_at BIGINT NOT NULL
);
CREATE INDEX throttle_by_last ON throttle_counters (last_at);
CREATE TABLE principals (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'api_key')),
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
);`
  },
  {
    version: 2,
    name: "document collections with full-text search",
    sql: `
CREATE TABLE doc_collections (
  id BIGSERIAL PRIMARY KEY,
  scope TEXT NOT NULL,
  name TEXT NOT NULL,
  embedding JSONB,
  created_at BIGINT NOT NULL,
  UNIQUE (scope, name)
);
CREATE TABLE doc_files (
  id BIGSERIAL PRIMARY KEY,
  collection_id BIGINT NOT NULL REFERENCES doc_collections (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  hash TEXT,
  bytes BIGINT NOT NULL,
  ingested_at BIGINT NOT NULL,
  UNIQUE (collection_id, path)
);
CREATE TABLE doc_documents (
  id BIGSERIAL PRIMARY KEY,
  collection_id BIGINT NOT NULL REFERENCES doc_collections (id) ON DELETE CASCADE,
  file_id BIGINT NOT NULL REFERENCES doc_files (id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  hash TEXT NOT NULL,
  format TEXT NOT NULL,
  title TEXT,
  metadata JSONB,
  text_chars INTEGER NOT NULL,
  chunk_count INTEGER NOT NULL,
  added_at BIGINT NOT NULL,
  UNIQUE (collection_id, source)
);
CREATE INDEX doc_documents_by_file ON doc_documents (file_id);
CREATE TABLE doc_chunks (
  id BIGSERIAL PRIMARY KEY,
  collection_id BIGINT NOT NULL REFERENCES doc_collections (id) ON DELETE CASCADE,
  document_id BIGINT NOT NULL REFERENCES doc_documents (id) ON DELETE CASCADE,
  chunk_index INTEGER NOT NULL,
  page INTEGER,
  section TEXT,
  start_offset INTEGER NOT NULL,
  end_offset INTEGER NOT NULL,
  hash TEXT NOT NULL,
  content TEXT NOT NULL,
  indexed TEXT NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', indexed)) STORED
);
CREATE INDEX doc_chunks_tsv ON doc_chunks USING GIN (tsv);
CREATE INDEX doc_chunks_by_document ON doc_chunks (document_id, chunk_index);
CREATE INDEX doc_chunks_by_collection ON doc_chunks (collection_id);`
  },
  {
    version: 3,
    name: "users and API keys",
    sql: `
CREATE TABLE users (
  username TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  admin BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE api_keys (
  digest BYTEA PRIMARY KEY,
  identity TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);`
  }
];
