package postgis

// fixtureSQL builds the tables the discovery and load tests read: written
// with raw SQL, as a department's own ETL would, not through WriteLayer.
var fixtureSQL = []string{
	`CREATE EXTENSION IF NOT EXISTS citext`,
	`CREATE SCHEMA lands`,
	`CREATE TYPE district AS ENUM ('central', 'wan chai')`,
	`CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0)`,

	// One point table per SRID; 32650 (UTM 50N) is one internal/crs cannot
	// transform, so PostGIS must deliver it in lon/lat.
	`CREATE TABLE pts_4326 (id serial PRIMARY KEY, geom geometry(Point, 4326))`,
	`INSERT INTO pts_4326 (geom) VALUES ('SRID=4326;POINT(114.1694 22.3193)')`,
	`CREATE TABLE pts_2326 (id integer PRIMARY KEY, geom geometry(Point, 2326))`,
	`INSERT INTO pts_2326 VALUES (1, 'SRID=2326;POINT(836000 818000)'), (2, 'SRID=2326;POINT(833000.5 816000.25)')`,
	`COMMENT ON TABLE pts_2326 IS 'Survey points'`,
	`CREATE TABLE pts_3857 (id bigint PRIMARY KEY, geom geometry(Point, 3857))`,
	`INSERT INTO pts_3857 VALUES (1, 'SRID=3857;POINT(12709000 2547000)')`,
	`CREATE TABLE pts_utm50 (id integer PRIMARY KEY, geom geometry(Point, 32650))`,
	// (500000, 0) is where zone 50's central meridian, 117°E, meets the equator.
	`INSERT INTO pts_utm50 VALUES (1, 'SRID=32650;POINT(500000 0)'),
	        (2, ST_Transform('SRID=4326;POINT(114.17 22.3)'::geometry, 32650))`,

	// Z and M are dropped.
	`CREATE TABLE pointz (id integer PRIMARY KEY, geom geometry(PointZ, 2326))`,
	`INSERT INTO pointz VALUES (1, 'SRID=2326;POINT Z (836000 818000 55.5)')`,
	`CREATE TABLE linem (id integer PRIMARY KEY, geom geometry(LineStringM, 4326))`,
	`INSERT INTO linem VALUES (1, 'SRID=4326;LINESTRING M (114 22 1, 114.1 22.1 2)')`,
	`CREATE TABLE polyzm (id integer PRIMARY KEY, geom geometry(PolygonZM, 2326))`,
	`INSERT INTO polyzm VALUES (1, 'SRID=2326;POLYGON ZM ((0 0 1 2, 10 0 1 2, 10 10 1 2, 0 0 1 2))')`,

	// NULL and EMPTY geometries in an untyped column: its SRID is probed.
	`CREATE TABLE empties (id integer PRIMARY KEY, geom geometry)`,
	`INSERT INTO empties VALUES (1, NULL), (2, 'SRID=4326;POINT EMPTY'), (3, 'SRID=4326;POLYGON EMPTY'),
	        (4, 'SRID=4326;GEOMETRYCOLLECTION EMPTY'), (5, 'SRID=4326;GEOMETRYCOLLECTION(POINT EMPTY, POINT(1 2))'),
	        (6, 'SRID=4326;LINESTRING EMPTY'), (7, 'SRID=4326;MULTIPOINT(EMPTY, (3 4))'),
	        (8, 'SRID=4326;MULTIPOLYGON EMPTY')`,

	// A self-intersecting polygon is still valid WKB.
	`CREATE TABLE bowtie (id integer PRIMARY KEY, geom geometry(Polygon, 4326))`,
	`INSERT INTO bowtie VALUES (1, 'SRID=4326;POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))')`,

	// Curves have no orb type: that row is skipped, the other loads.
	`CREATE TABLE curves (id integer PRIMARY KEY, geom geometry(Geometry, 4326))`,
	`INSERT INTO curves VALUES (1, 'SRID=4326;CIRCULARSTRING(0 0, 1 1, 2 0)'), (2, 'SRID=4326;POINT(5 6)')`,

	// A view over an expression has an untyped column; a materialized view
	// keeps the typmod.
	`CREATE VIEW pts_buffered AS SELECT id, ST_Buffer(geom, 10, 1) AS area, 'x'::text AS label FROM pts_2326`,
	`CREATE MATERIALIZED VIEW pts_mat AS SELECT id, geom FROM pts_2326`,
	`CREATE UNIQUE INDEX ON pts_mat (id)`,

	// No primary key: a conventional unique id column, or row numbers.
	`CREATE TABLE nopk (name text, geom geometry(Point, 4326))`,
	`COMMENT ON COLUMN nopk.name IS 'Name of the thing'`,
	`INSERT INTO nopk VALUES ('first', 'SRID=4326;POINT(1 1)'), ('second', 'SRID=4326;POINT(2 2)'), ('third', NULL)`,
	`CREATE TABLE gid_unique (gid integer NOT NULL UNIQUE, name text, geom geometry(Point, 4326))`,
	`INSERT INTO gid_unique VALUES (7, 'seven', 'SRID=4326;POINT(7 7)')`,
	`CREATE TABLE "Parcels Export" ("OBJECTID" integer NOT NULL UNIQUE, "Shape" geometry(MultiPolygon, 2326))`,
	`INSERT INTO "Parcels Export" VALUES (11, 'SRID=2326;MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))')`,

	// Two geometry columns: two layers.
	`CREATE TABLE two_geoms (id integer PRIMARY KEY, boundary geometry(Polygon, 2326),
	        centre geometry(Point, 2326), name text)`,
	`INSERT INTO two_geoms VALUES (1, 'SRID=2326;POLYGON((0 0, 10 0, 10 10, 0 0))', 'SRID=2326;POINT(5 3)', 'a')`,

	// Every mapped type, a domain and an enum, and columns csdi cannot serve.
	`CREATE TABLE all_types (id uuid PRIMARY KEY, geom geometry(Point, 4326),
	        t text, vc varchar(10), ch char(3), nm name, ci citext, i2 int2, i4 int4, i8 int8,
	        f4 real, f8 double precision, num numeric(10, 3), b boolean, d date, ts timestamp,
	        tstz timestamptz, u uuid, j json, jb jsonb, ia integer[], ta text[], e district,
	        pos positive_int, raw bytea, period tsrange, doc tsvector, geog geography(Point, 4326))`,
	`INSERT INTO all_types VALUES
	    ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'SRID=4326;POINT(114 22)',
	     'text', 'vc', 'ab', 'nm', 'CI', -2, 4, 8000000000, 0.1, 2.5, 1234.567, true, '2024-03-15',
	     '2024-03-15 08:30:15', '2024-03-15 16:30:15+08', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12',
	     '{"a": [1, 2]}', '{"b": 1, "a": "中"}', '{1,NULL,3}', '{"x","y z"}', 'wan chai', 5,
	     '\x00ff', '[2024-01-01,2024-02-01)', 'a fat cat', 'SRID=4326;POINT(114 22)'),
	    ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13', NULL,
	     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	    ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14', NULL,
	     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'NaN', 'Infinity', 'NaN', NULL, 'infinity',
	     '-infinity', 'infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,

	// Another schema, a name clash with public, and metadata in a comment.
	`CREATE TABLE lands.lots (id bigint PRIMARY KEY, geom geometry(MultiPolygon, 2326))`,
	`COMMENT ON TABLE lands.lots IS '{"csdi":1,"title":{"en":"Land lots","zh-Hant":"地段"},"description":{"en":"Lots","zh-Hant":"地段資料"},"keywords":["land"]}'`,
	`CREATE TABLE lots (id text PRIMARY KEY, geom geometry(MultiPolygon, 2326))`,
	// Not a layer: no geometry.
	`CREATE TABLE plain (id integer PRIMARY KEY, name text)`,
}
