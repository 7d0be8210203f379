package org.hallufloor.config;

import java.util.List;
import java.util.Map;
import org.hallufloor.corpus.BadRecordPolicy;
import org.hallufloor.corpus.SliceSpec;
import org.hallufloor.output.RunOutput;

/**
 * Every setting of a run, read and checked once at start-up (see {@link SettingsLoader}).
 * Field names follow reference.conf; quantities follow THEORY.md.
 */
public record Settings(
    String runId,
    Input input,
    List<SliceSpec> slices,
    List<Double> scalingFractions,
    String tokenizer,
    List<Integer> contextLengths,
    Kernel kernel,
    List<Double> betaS,
    List<Double> temperatures,
    List<Double> eps0Grid,
    double heldoutFraction,
    double contextSampleRate,
    long evidenceExamplesPerTask,
    BadRecordPolicy badRecords,
    RunOutput.Destination output,
    boolean progress,
    long progressIntervalMillis,
    boolean report,
    boolean fittedScale,
    Map<String, String> spark,
    String configJson) {

  public String outputRoot() {
    return output.root();
  }

  public record Input(
      List<String> paths,
      String format,
      long eosId,
      String idsField,
      String dtype,
      long splitTokens,
      String textField,
      String idField,
      List<String> textColumns,
      String textDelimiter,
      long maxDocumentBytes,
      int partitions,
      List<String> sideTablePaths,
      String sideTableIndexField,
      String sideTableFormat) {}

  public record Kernel(String name, double lambda, double tau, int bands, int rows, double sampleRate,
      int auditQueries, int bucketCap, int lookupMaxLength, boolean margins) {
    /** The kernel column of the tables: {@code exact}, {@code jaccard(tau)}. */
    public String label() {
      return switch (name) {
        case "jaccard" -> "jaccard(" + tau + ")";
        case "suffix" -> "suffix(" + lambda + ")";
        default -> name;
      };
    }
  }
}
