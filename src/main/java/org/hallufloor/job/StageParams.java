package org.hallufloor.job;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.hallufloor.config.Settings;
import org.hallufloor.corpus.Documents;
import org.hallufloor.corpus.InputFormat;
import org.hallufloor.corpus.ReadCorpus;
import org.hallufloor.corpus.RecordSpec;
import org.hallufloor.corpus.SideTable;
import org.hallufloor.corpus.SliceSpec;
import org.hallufloor.corpus.TokenFiles;
import org.hallufloor.bound.ScalePairs;
import org.hallufloor.estimate.SliceBounds;
import org.hallufloor.evidence.CountEvidence;
import org.hallufloor.similarity.JaccardJoin;
import org.hallufloor.similarity.MinHash;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;

/**
 * The settings each stage takes, and nothing else: the one place a key of reference.conf turns
 * into a stage's parameter, so a key reaches its stage in one hop from {@link Settings}.
 */
public final class StageParams {
  private StageParams() {}

  /** The read stage: paths, format, record fields, slicing, the bad-record policy. */
  public static ReadCorpus.Params read(Settings settings) {
    Settings.Input in = settings.input();
    InputFormat format = InputFormat.byName(in.format());
    List<String> sliceFields = recordSpec(settings).sliceFields();
    SideTable.Spec sideTable = in.sideTablePaths().isEmpty() ? null : new SideTable.Spec(in.sideTablePaths(),
        in.sideTableFormat(), in.sideTableIndexField(), in.idField(), sliceFields);
    return new ReadCorpus.Params(in.paths(), format, recordSpec(settings), slicing(settings), settings.badRecords(),
        in.partitions(), format.preTokenized() ? tokenFiles(settings) : null, sideTable);
  }

  /** Where a record keeps its text, ids, id and slice fields. */
  public static RecordSpec recordSpec(Settings settings) {
    Settings.Input in = settings.input();
    List<String> sliceFields = settings.slices().stream().map(SliceSpec::field).toList();
    return new RecordSpec(in.textField(), in.idsField(), in.idField(), sliceFields, in.textColumns(), in.textDelimiter(),
        in.maxDocumentBytes());
  }

  /** How documents are sliced and split (THEORY 2, 6). */
  public static Documents.Slicing slicing(Settings settings) {
    return new Documents.Slicing(settings.slices(), settings.scalingFractions(), settings.heldoutFraction());
  }

  /** input.dtype auto: uint16 while the vocabulary fits it, as OLMo writes its token files. */
  static TokenFiles.Spec tokenFiles(Settings settings) {
    Settings.Input in = settings.input();
    long nVocab = vocabularySize(settings);
    String dtype = !in.dtype().equals("auto") ? in.dtype() : nVocab <= 65536 ? "uint16" : "uint32";
    return new TokenFiles.Spec(in.eosId(), dtype, nVocab, settings.tokenizer(), in.splitTokens());
  }

  /** The slice dimensions that keep only their largest values (slices[].max-values). */
  public static java.util.Map<String, Integer> maxValues(Settings settings) {
    java.util.Map<String, Integer> out = new java.util.HashMap<>();
    settings.slices().stream().filter(s -> s.maxValues() > 0).forEach(s -> out.put(s.name(), s.maxValues()));
    return out;
  }

  public static int vocabularySize(Settings settings) {
    return Tokenizers.get(TokenizerSpec.of(settings.tokenizer())).vocabularySize();
  }

  /** The exact-kernel evidence pass: context lengths, sampling, task size, N_V and the (beta_S, T) pairs. */
  public static CountEvidence.Params evidence(Settings settings, int nVocab) {
    return new CountEvidence.Params(settings.contextLengths(), settings.contextSampleRate(),
        settings.evidenceExamplesPerTask(), nVocab, new ScalePairs(settings.betaS(), settings.temperatures()),
        settings.fittedScale());
  }

  /** The jaccard kernel's join (THEORY 4): bands and rows as set, or chosen for tau when not. */
  public static JaccardJoin.Params join(Settings settings) {
    Settings.Kernel kernel = settings.kernel();
    int[] bandsRows = kernel.bands() > 0 ? new int[] {kernel.bands(), kernel.rows()} : MinHash.optimal(kernel.tau());
    return new JaccardJoin.Params(kernel.tau(), bandsRows[0], bandsRows[1], kernel.sampleRate(), kernel.auditQueries(),
        kernel.bucketCap(), settings.contextLengths(), kernel.lookupMaxLength());
  }

  /** The run-wide inputs of the estimate: the (beta_S, T) pairs, eps0 grid and sample rate. */
  public static SliceBounds.Params estimate(Settings settings, int nVocab) {
    return new SliceBounds.Params(settings.tokenizer(), nVocab, org.hallufloor.estimate.Tables.EXACT, settings.betaS(),
        settings.temperatures(), settings.eps0Grid(), settings.contextSampleRate(), Timestamp.from(Instant.now()),
        settings.fittedScale());
  }
}
