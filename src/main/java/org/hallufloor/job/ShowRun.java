package org.hallufloor.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.hallufloor.config.Settings;
import org.hallufloor.corpus.Documents;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.corpus.BadRecordPolicy;
import org.hallufloor.estimate.SliceBounds;
import org.hallufloor.estimate.Tables;
import org.hallufloor.output.RunOutput;
import org.hallufloor.output.RunsTable;
import org.hallufloor.report.RunReport;
import org.hallufloor.report.RunSummary;

/**
 * What a person sees once the run's tables are committed: the printed summary and the HTML
 * report. Both read only the rows of the slices a summary shows (at most
 * {@link RunSummary#MAX_SHOWN}), so neither grows with the number of slice values; the tables
 * hold every slice.
 */
final class ShowRun {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ShowRun.class);

  /** The run's facts the summary and report name, gathered by the run's bookkeeping. */
  record Facts(Instant startedAt, int files, long bytes, long documents, long tokens, long badRecords) {}

  private final SparkSession spark;
  private final Settings settings;
  private final PrintStream out;

  ShowRun(SparkSession spark, Settings settings, PrintStream out) {
    this.spark = spark;
    this.settings = settings;
    this.out = out;
  }

  void show(Facts facts, SliceTotals.Slices slices, SliceBounds.Result estimate, List<RunOutput.Committed> committed) {
    List<Row> shownSlices = RunSummary.shown(candidates(slices));
    // One read of the kept rows: the first configured pair's rows, and the occurrence rows at
    // the fitted scale (THEORY 5) with its table's rows.
    List<Row> shownBounds = shown(estimate.sliceBounds(), shownSlices).filter(col("kernel").equalTo(Tables.EXACT)
        .and(col("beta_source").equalTo(SliceBounds.FITTED).and(col("distribution").equalTo("occurrence"))
            .or(col("beta_source").equalTo(SliceBounds.CONFIG).and(firstPairOnly())))).collectAsList();
    List<Row> firstPair = shownBounds.stream().filter(r -> SliceBounds.CONFIG.equals(r.getAs("beta_source"))).toList();
    List<Row> fittedBounds = shownBounds.stream().filter(r -> SliceBounds.FITTED.equals(r.getAs("beta_source"))).toList();
    List<Row> fits = shown(estimate.fittedScale(), shownSlices).filter(col("kernel").equalTo(Tables.EXACT))
        .collectAsList();
    RunSummary.print(out, "Run " + settings.runId() + " committed (" + settings.tokenizer() + ", beta_s = "
        + settings.betaS().get(0) + ", T = " + settings.temperatures().get(0) + "):",
        committed.stream().map(Object::toString).toList(), shownSlices, slices.count(), firstPair);
    printBadRecords(facts.badRecords(), committed);
    RunSummary.printFitted(out, fits, fittedBounds);
    if (settings.report()) {
      writeReport(facts, shownSlices, firstPair, new RunReport.Fitted(fits, fittedBounds), estimate);
    }
  }

  /**
   * The slice_stats rows {@link RunSummary#shown} may pick, in order: every row of the whole
   * corpus and the scaling fractions, and the others with most documents (ties in slice_stats
   * order, as its stable sort breaks them), a bounded read whatever the number of slices.
   */
  static List<Row> candidates(SliceTotals.Slices slices) {
    if (slices.count() <= RunSummary.MAX_SHOWN) {
      return slices.collect();
    }
    Dataset<Row> t = slices.table();
    Column fixed = col("slice_dim").isin(Documents.ALL, Documents.SCALING);
    return t.filter(fixed).union(t.filter(org.apache.spark.sql.functions.not(fixed))
            .orderBy(col("documents").desc(), col("slice_dim"), col("slice_value")).limit(RunSummary.MAX_SHOWN))
        .orderBy("slice_dim", "slice_value").drop(SliceTotals.SLICE).collectAsList();
  }

  /** The rows of a table that belong to the slices the summary and the report show. */
  private static Dataset<Row> shown(Dataset<Row> table, List<Row> shownSlices) {
    Object[] keys = shownSlices.stream().map(r -> r.getString(0) + "\u0000" + r.getString(1)).toArray();
    return table.filter(concat(col("slice_dim"), lit("\u0000"), col("slice_value")).isin(keys));
  }

  private Column firstPairOnly() {
    return col("beta_s").equalTo(settings.betaS().get(0)).and(col("temperature").equalTo(settings.temperatures().get(0)));
  }

  private void printBadRecords(long badRecords, List<RunOutput.Committed> committed) {
    if (badRecords > 0) {
      out.println();
      out.println(badRecords + " bad record(s) " + (settings.badRecords() == BadRecordPolicy.QUARANTINE
          ? "quarantined in " + committed.stream().filter(c -> c.table().equals(RunOutput.BAD_RECORDS))
              .findFirst().orElse(null)
          : "skipped"));
    }
  }

  /** Charts and index.html; the tables are committed already, so a failure here only warns. */
  private void writeReport(Facts facts, List<Row> shownSlices, List<Row> firstPair, RunReport.Fitted fitted,
      SliceBounds.Result estimate) {
    try {
      List<String[]> meta = List.of(
          new String[] {"run id", settings.runId()},
          new String[] {"started", facts.startedAt().toString()},
          new String[] {"finished", Instant.now().toString()},
          new String[] {"input", String.join(", ", settings.input().paths()) + " (" + facts.files() + " files, "
              + String.format(Locale.ROOT, "%,d", facts.bytes()) + " bytes)"},
          new String[] {"documents", String.format(Locale.ROOT, "%,d (%,d bad records)", facts.documents(),
              facts.badRecords())},
          new String[] {"tokens", String.format(Locale.ROOT, "%,d", facts.tokens())},
          new String[] {"tokenizer", settings.tokenizer()},
          new String[] {"kernel", settings.kernel().name().equals(Tables.EXACT) ? Tables.EXACT
              : Tables.EXACT + " and " + settings.kernel().label() + " (charts: exact)"},
          new String[] {"context lengths", settings.contextLengths().toString()},
          new String[] {"beta_S, T", settings.betaS().get(0) + ", " + settings.temperatures().get(0)
              + (settings.betaS().size() * settings.temperatures().size() > 1 ? " (first pair; the tables hold all)" : "")},
          new String[] {"hallufloor", RunsTable.version()});
      Path dir = RunReport.write(spark.sparkContext().hadoopConfiguration(), settings.outputRoot(), settings.runId(),
          new RunReport.Metadata(meta, settings.configJson()), shownSlices, firstPair, fitted,
          shown(estimate.fCurve(), shownSlices).filter(col("kernel").equalTo(Tables.EXACT))
              .filter(firstPairOnly()).collectAsList(),
          shown(estimate.evidenceHistogram(), shownSlices).filter(col("kernel").equalTo(Tables.EXACT))
              .collectAsList());
      out.println();
      out.println("Report: " + dir + "/index.html");
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("the run's tables are committed, but its report could not be written: {}", e.toString());
      out.println();
      out.println("Report not written (the tables are committed): " + e);
    }
  }
}
