-- hallufloor's tables as Spark SQL temporary views, for output.format = parquet: read straight
-- from output.root (${root}); Spark discovers run_id from the folders. Then run spark-views.sql
-- for the dashboard views (spark-iceberg.sql defines the same four views over Iceberg tables).

CREATE OR REPLACE TEMPORARY VIEW hf_runs AS SELECT * FROM parquet.`${root}/runs`;
-- mergeSchema: runs written before a column was added read it as NULL (beta_source: 'config').
CREATE OR REPLACE TEMPORARY VIEW hf_slice_bounds USING parquet OPTIONS (path '${root}/slice_bounds', mergeSchema 'true');
CREATE OR REPLACE TEMPORARY VIEW hf_fitted_scale AS SELECT * FROM parquet.`${root}/fitted_scale`;
CREATE OR REPLACE TEMPORARY VIEW hf_f_curve AS SELECT * FROM parquet.`${root}/f_curve`;
