// orggraph: Neo4j constraints and indexes (Neo4j 5.26 Community and later).
// Generated from orggraph/store/neo4j_cypher.py (SCHEMA) by `orggraph db init
// --print`; a test checks it for drift. Idempotent: the store applies it when it
// opens, and `orggraph db init`. By hand: cypher-shell -f schema/neo4j/schema.cypher

CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT node_version_key IF NOT EXISTS FOR (v:NodeVersion) REQUIRE (v.id, v.valid_from) IS UNIQUE;
CREATE CONSTRAINT fact_key IF NOT EXISTS FOR (f:Fact) REQUIRE (f.node_id, f.year, f.name) IS UNIQUE;
CREATE CONSTRAINT audit_write_id IF NOT EXISTS FOR (a:Audit) REQUIRE a.write_id IS UNIQUE;
CREATE CONSTRAINT audit_seq IF NOT EXISTS FOR (a:Audit) REQUIRE a.seq IS UNIQUE;
CREATE CONSTRAINT counter_name IF NOT EXISTS FOR (c:Counter) REQUIRE c.name IS UNIQUE;
CREATE CONSTRAINT link_subordinate_to_key IF NOT EXISTS FOR ()-[r:SUBORDINATE_TO]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE CONSTRAINT link_member_of_key IF NOT EXISTS FOR ()-[r:MEMBER_OF]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE CONSTRAINT link_holds_post_key IF NOT EXISTS FOR ()-[r:HOLDS_POST]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE CONSTRAINT link_covers_key IF NOT EXISTS FOR ()-[r:COVERS]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE CONSTRAINT link_leads_key IF NOT EXISTS FOR ()-[r:LEADS]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE CONSTRAINT link_contacts_key IF NOT EXISTS FOR ()-[r:CONTACTS]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE CONSTRAINT link_serves_key IF NOT EXISTS FOR ()-[r:SERVES]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE CONSTRAINT link_paired_with_key IF NOT EXISTS FOR ()-[r:PAIRED_WITH]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE CONSTRAINT link_established_in_key IF NOT EXISTS FOR ()-[r:ESTABLISHED_IN]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE CONSTRAINT link_instructs_key IF NOT EXISTS FOR ()-[r:INSTRUCTS]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE CONSTRAINT link_located_in_key IF NOT EXISTS FOR ()-[r:LOCATED_IN]-() REQUIRE (r.id, r.valid_from) IS UNIQUE;
CREATE TEXT INDEX node_version_search IF NOT EXISTS FOR (v:NodeVersion) ON (v.search_text);
CREATE INDEX fact_node IF NOT EXISTS FOR (f:Fact) ON (f.node_id);

// Made by earlier versions; the (id, valid_from) keys serve their lookups.
DROP INDEX node_version_id IF EXISTS;
DROP INDEX link_subordinate_to_id IF EXISTS;
DROP INDEX link_member_of_id IF EXISTS;
DROP INDEX link_holds_post_id IF EXISTS;
DROP INDEX link_covers_id IF EXISTS;
DROP INDEX link_leads_id IF EXISTS;
DROP INDEX link_contacts_id IF EXISTS;
DROP INDEX link_serves_id IF EXISTS;
DROP INDEX link_paired_with_id IF EXISTS;
DROP INDEX link_established_in_id IF EXISTS;
DROP INDEX link_instructs_id IF EXISTS;
DROP INDEX link_located_in_id IF EXISTS;
