package org.hallufloor.job;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.hallufloor.config.Settings;
import org.hallufloor.corpus.BadInputException;
import org.hallufloor.corpus.BadRecord;
import org.hallufloor.corpus.BadRecordPolicy;
import org.hallufloor.corpus.Documents;
import org.hallufloor.corpus.InputFiles;
import org.hallufloor.corpus.ReadCorpus;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.output.RunOutput;
import org.hallufloor.output.RunsTable;
import org.hallufloor.report.Progress;

/**
 * What a run refuses or sets aside once the tokenizing pass has counted its input: bad records
 * (by {@code bad-records}), and a corpus with no training document left.
 */
final class InputChecks {
  private static final int BAD_RECORDS_SHOWN = 5;

  private InputChecks() {}

  /**
   * Fails the run on bad records, or stages them for the bad_records table; they were counted
   * in the tokenizing pass and ride along in the kept documents, so nothing rereads the input.
   *
   * @return the bad records: the pass's count and the listing's unreadable files
   */
  static long stageBadRecords(Settings settings, ReadCorpus.Result read, InputFiles.Listing listing,
      Dataset<Row> tokenized, long fromRecords, RunOutput output, Progress progress) {
    Dataset<Row> bad = read.badRecords(tokenized);
    long badRecords = fromRecords + listing.problems().size();
    progress.note("read records (" + badRecords + " bad)");
    if (settings.badRecords() == BadRecordPolicy.FAIL && badRecords > 0) {
      List<BadRecord> shown = bad.limit(BAD_RECORDS_SHOWN).collectAsList().stream()
          .map(r -> new BadRecord(r.getString(0), r.getString(1), r.getString(2), r.getString(3))).toList();
      throw new BadInputException(badRecords + " bad record(s) and hallufloor.bad-records = fail; first: "
          + BadRecord.describe(shown));
    }
    output.stage(RunOutput.BAD_RECORDS, settings.badRecords() == BadRecordPolicy.QUARANTINE ? bad
        : tokenized.sparkSession().createDataFrame(List.of(), RunsTable.BAD_RECORDS_SCHEMA));
    return badRecords;
  }

  /** The {@code all} slice's slice_stats row; the run ends as bad input when no document is left to train on. */
  static Row allSlice(SliceTotals.Slices slices, Settings settings) {
    Row all = slices.rows(Documents.ALL, Documents.ALL).stream().findFirst()
        .orElseThrow(() -> new BadInputException("no documents were read: every record of the input was bad or empty"));
    long documents = all.getLong(2);
    if (documents == all.getLong(4)) {
      throw new BadInputException("all " + documents + " documents were held out (hallufloor.heldout-fraction = "
          + settings.heldoutFraction() + "): no training data remains to count evidence in");
    }
    return all;
  }
}
