-- hallufloor's tables as Spark SQL temporary views, for output.format = iceberg: ${tables} is
-- the catalog (and namespace) that holds them, e.g. a Hadoop catalog at output.root registered as
--   spark.sql.catalog.hf = org.apache.iceberg.spark.SparkCatalog
--   spark.sql.catalog.hf.type = hadoop
--   spark.sql.catalog.hf.warehouse = <output.root>
-- and ${tables} = hf. Then run spark-views.sql for the dashboard views. Iceberg tables carry
-- their own schema, so rows of runs from before a column was added read it as NULL.

CREATE OR REPLACE TEMPORARY VIEW hf_runs AS SELECT * FROM ${tables}.runs;
CREATE OR REPLACE TEMPORARY VIEW hf_slice_bounds AS SELECT * FROM ${tables}.slice_bounds;
CREATE OR REPLACE TEMPORARY VIEW hf_fitted_scale AS SELECT * FROM ${tables}.fitted_scale;
CREATE OR REPLACE TEMPORARY VIEW hf_f_curve AS SELECT * FROM ${tables}.f_curve;
