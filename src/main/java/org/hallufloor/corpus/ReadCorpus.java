package org.hallufloor.corpus;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The first step of THEORY 1 and 6 as one action: input paths to sliced, split documents, bad
 * records riding along in {@code bad} (see {@link Documents#SCHEMA}). Text documents come out
 * with their text, to be tokenized next; pre-tokenized formats come out with {@code ids} and
 * {@code tokens} already. Nothing is read until the caller's first action on the documents.
 */
public final class ReadCorpus {
  /** The Spark job group of this step, as the Spark UI lists it. */
  public static final String JOB_GROUP = "hallufloor-read";

  /**
   * What reading needs: {@code ids} describes the vocabulary of pre-tokenized formats (null for
   * text); {@code sideTable} is null when slices come from the records; {@code partitions} 0
   * lets the input's own splits decide.
   */
  public record Params(List<String> paths, InputFormat format, RecordSpec records, Documents.Slicing slicing,
      BadRecordPolicy policy, int partitions, TokenFiles.Spec ids, SideTable.Spec sideTable) {
    public Params {
      Objects.requireNonNull(format, "input format");
      Objects.requireNonNull(records, "record spec");
      Objects.requireNonNull(slicing, "slicing");
      Objects.requireNonNull(policy, "bad-record policy");
      if (paths == null || paths.isEmpty()) {
        throw new IllegalArgumentException("no input path to read (hallufloor.input.paths is empty)");
      }
      if (partitions < 0) {
        throw new IllegalArgumentException("partitions must be >= 0, was " + partitions);
      }
      if (format.preTokenized() && ids == null) {
        throw new IllegalArgumentException("input format " + format.configName() + " needs the vocabulary (ids spec)");
      }
    }
  }

  /** The listed shards, and the documents: lazy, to be read by the pass that tokenizes them. */
  public record Result(Params params, InputFiles.Listing listing, Dataset<Row> documents) {
    /**
     * The bad records as the bad_records table holds them: the listing's problems and the
     * records the read marked bad in {@code kept}, this result's documents after any later
     * stage that keeps the {@code bad} column (so the corpus is not read again for them).
     */
    public Dataset<Row> badRecords(Dataset<Row> kept) {
      List<Row> fromListing = new ArrayList<>();
      for (BadRecord b : listing.problems()) {
        fromListing.add(RowFactory.create(b.file(), b.record(), b.reason(), b.excerpt()));
      }
      return kept.sparkSession().createDataFrame(fromListing, Documents.BAD)
          .union(kept.filter(col("bad").isNotNull()).select("bad.*"));
    }
  }

  private ReadCorpus() {}

  /**
   * Lists the input and plans the read. Fails with BadInputException when nothing is there to
   * read, or when a path names nothing and the policy is FAIL.
   */
  public static Result execute(SparkSession spark, Params params) {
    spark.sparkContext().setJobGroup(JOB_GROUP, "THEORY 1 and 6: documents read, sliced, split", false);
    Configuration conf = new Configuration(spark.sparkContext().hadoopConfiguration());
    CorpusReader.registerCodecs(conf);
    InputFiles.Listing listing = InputFiles.list(params.paths(), params.format(), conf);
    if (listing.files().isEmpty()) {
      throw new BadInputException("no input file to read: " + BadRecord.describe(listing.problems()));
    }
    if (params.policy() == BadRecordPolicy.FAIL && !listing.problems().isEmpty()) {
      throw new BadInputException(BadRecord.describe(listing.problems()));
    }
    return new Result(params, listing, documents(spark, listing.files(), params));
  }

  /**
   * Raw records as the input splits them (Parquet row groups, text splits, token-file ranges),
   * spread over the cores only when there are fewer splits than cores (a few compressed shards,
   * one task each), or over {@code partitions} when set; then sliced and split. Never cached:
   * the tokenizing pass reads them once.
   */
  static Dataset<Row> documents(SparkSession spark, List<InputFile> files, Params params) {
    Dataset<Row> raw = switch (params.format()) {
      case PARQUET_IDS -> CorpusReader.readParquetIds(spark, files, params.records(), params.ids().nVocab(),
          params.ids().tokenizer());
      case MEGATRON, NUMPY_TOKENS -> TokenFiles.read(spark, files, params.ids(), params.sideTable() != null);
      default -> CorpusReader.read(spark, files, params.records());
    };
    raw = params.sideTable() != null ? SideTable.attach(spark, raw, params.sideTable())
        : RawRecords.withFileFields(raw, params.records().sliceFields());
    int cores = spark.sparkContext().defaultParallelism();
    if (params.partitions() > 0) {
      raw = raw.repartition(params.partitions());
    } else if (raw.rdd().getNumPartitions() < cores) {
      raw = raw.repartition(2 * cores);
    }
    return params.format().preTokenized() ? Documents.fromIdRecords(raw, params.slicing())
        : Documents.fromRecords(raw, params.slicing());
  }
}
