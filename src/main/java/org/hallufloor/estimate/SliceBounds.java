package org.hallufloor.estimate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.Serializable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.hallufloor.bound.FCurve;
import org.hallufloor.bound.OptimisedBound;
import org.hallufloor.bound.ScaleFit;
import org.hallufloor.bound.SampledSbar;
import org.hallufloor.bound.ScalePairs;
import org.hallufloor.bound.Spectrum;
import org.hallufloor.bound.SuffixKernel;
import org.hallufloor.evidence.CountEvidence.Slice;
import org.hallufloor.evidence.EvidenceHistogram;
import org.hallufloor.evidence.CellRow;
import org.hallufloor.evidence.Kinds;
import org.hallufloor.evidence.SliceTotals;
import org.hallufloor.similarity.JaccardJoin;

/**
 * Evidence cells to k, f and bounds (THEORY 2, 3, 5). A (slice, c)'s evidence arrives as
 * spectra, a few thousand cells however large the corpus; each (slice, c) is estimated on an
 * executor, exactly, by the pure {@code bound} package, and every invariant is checked on every
 * row. Nothing of it passes through the driver, whatever the number of slices.
 */
public final class SliceBounds {
  /** Relative slack (in log10) of the invariant checks, for rounding only. */
  private static final double SLACK = 1e-9;

  private SliceBounds() {}

  /**
   * Run-wide inputs of the estimate; {@code betaS} x {@code temperatures} in that order are the
   * pairs; {@code fitScale}: whether the evidence pass sums the held-out log-likelihood's terms
   * for the fitted scale (THEORY 5).
   */
  public record Params(String tokenizer, long nVocab, String kernel, List<Double> betaS, List<Double> temperatures,
      List<Double> eps0Grid, double contextSampleRate, Timestamp computedAt, boolean fitScale) implements Serializable {
    /** The same run's inputs for another kernel's rows, sampled at {@code rate}. */
    public Params withKernel(String label, double rate) {
      return new Params(tokenizer, nVocab, label, betaS, temperatures, eps0Grid, rate, computedAt, fitScale);
    }

    /** The (beta_S, T) pairs, in the order the evidence pass sums them. */
    public ScalePairs pairs() {
      return new ScalePairs(betaS, temperatures);
    }
  }

  /**
   * The estimate's tables, the messages of violated invariants (one column, {@code violation}),
   * and the datasets they are read from, kept until the run lets them go.
   */
  public record Result(Dataset<Row> sliceBounds, Dataset<Row> fCurve, Dataset<Row> evidenceHistogram,
      Dataset<Row> similarityJoin, Dataset<Row> fittedScale, Dataset<Row> violations, List<Dataset<Row>> kept,
      List<Broadcast<?>> broadcasts, List<Runnable> upstream) {
    /** Both estimates' rows, as one (a soft kernel's beside the exact kernel's). */
    public Result union(Result other) {
      return new Result(sliceBounds.union(other.sliceBounds), fCurve.union(other.fCurve),
          evidenceHistogram.union(other.evidenceHistogram), similarityJoin.union(other.similarityJoin),
          fittedScale.union(other.fittedScale), violations.union(other.violations), concat(kept, other.kept),
          concat(broadcasts, other.broadcasts), concat(upstream, other.upstream));
    }

    /**
     * This exact estimate's rows and a soft kernel's, as one, the soft rows carrying this run's
     * exact rates of identity ({@link Tables#IDENTITY_RATES}, which count exact repeats whatever
     * the kernel): joined by (slice, c) on the executors, from the exact rows already kept.
     */
    public Result withSoft(Result soft) {
      List<String> keys = List.of(DIM, NAME, "context_len");
      List<Column> rates = new ArrayList<>();
      keys.forEach(k -> rates.add(col(k)));
      Tables.IDENTITY_RATES.forEach(r -> rates.add(col(r)));
      Dataset<Row> exactRates = sliceBounds.select(rates.toArray(new Column[0])).dropDuplicates(keys.toArray(new String[0]));
      Column[] ordered = java.util.Arrays.stream(Tables.SLICE_BOUNDS.fieldNames())
          .map(f -> f.equals("rates_kernel") ? lit(Tables.EXACT_RATES).as(f) : col(f)).toArray(Column[]::new);
      Dataset<Row> filled = soft.sliceBounds.drop(Tables.IDENTITY_RATES.toArray(new String[0]))
          .join(exactRates, keys.toArray(new String[0]), "left").select(ordered);
      return union(new Result(filled, soft.fCurve, soft.evidenceHistogram, soft.similarityJoin, soft.fittedScale,
          soft.violations, soft.kept, soft.broadcasts, soft.upstream));
    }

    /**
     * The same rows, releasing also what their cells were computed from (the evidence pass's
     * broadcasts, a join's kept cells): the rows are lazy, so those must live as long as they do.
     */
    public Result alsoReleasing(Runnable release) {
      return new Result(sliceBounds, fCurve, evidenceHistogram, similarityJoin, fittedScale, violations, kept,
          broadcasts, concat(upstream, List.of(release)));
    }

    /**
     * Every violation counted and the first {@code shown} messages kept, in one Spark job: a
     * task holds {@code shown} messages however many rows break an invariant.
     */
    public Violations violationSummary(int shown) {
      return violations.javaRDD().map(r -> r.getString(0)).aggregate(new Violations(0, List.of()),
          (v, message) -> v.plus(new Violations(1, List.of(message)), shown), (a, b) -> a.plus(b, shown));
    }

    /** Once every table is written: the kept rows, the broadcasts they were computed with, and what came before go. */
    public void release() {
      kept.forEach(Dataset::unpersist);
      broadcasts.forEach(Broadcast::destroy);
      upstream.forEach(Runnable::run);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
      List<T> both = new ArrayList<>(a);
      both.addAll(b);
      return both;
    }
  }

  /** How many rows broke an invariant, and the first few messages. */
  public record Violations(long count, List<String> first) implements Serializable {
    Violations plus(Violations other, int shown) {
      List<String> both = new ArrayList<>(first);
      other.first.stream().limit(Math.max(0, shown - both.size())).forEach(both::add);
      return new Violations(count + other.count, List.copyOf(both));
    }
  }

  /** How a soft kernel's rows were computed; null for the exact kernel. */
  public sealed interface Soft extends Serializable permits Join, Suffix {}

  /** What the jaccard kernel's similarity join was run with and took. */
  public record Join(double tau, int bands, int rows, double sampleRate, double seconds, int lookupMaxLength) implements Soft {
    /** How the join found a length's pairs: looked up exactly (no bands) or through banded MinHash. */
    String method(int c) {
      return c <= lookupMaxLength ? "lookup" : "minhash";
    }
  }

  /** The suffix kernel: exact evidence from suffix counts, Sbar in closed form (bound.SuffixKernel). */
  public record Suffix(double lambda) implements Soft {}

  /** The evidence of one (slice, context length), from its cells. */
  static final class SliceEvidence {
    final List<double[]> evidence = new ArrayList<>();
    final List<double[]> gap = new ArrayList<>();
    final List<double[]> heldoutGap = new ArrayList<>();
    /** {value, share of the N_V^c space}: the uniform distribution where unseen contexts have evidence. */
    final List<double[]> uniform = new ArrayList<>();
    /** The uniform mean summed from unrounded evidence, where the cells carry it. */
    double uniformMean;
    /** A sampled join's Sbar sums and join counts (JaccardJoin); null otherwise. */
    double[] sbar;
    double[] join;
    final Map<Integer, Long> counts = new TreeMap<>();
    /** Sums per (beta_S, T) pair, by kind: P_h in-sample and held out, the held-out log-likelihood. */
    final Map<Integer, double[]> perPair = new TreeMap<>();
    /** The held-out log-likelihood's terms (bound.ScaleFit), where the cells carry them. */
    double[] fit;
    /** Kinds.ROUNDING sums, by Kinds.roundingKey. */
    final Map<Long, Double> rounding = new TreeMap<>();
    private final int pairs;
    private final ScaleFit.Cache profiles;
    private final CellRow read;

    /** @param profiles the terms of small profiles, shared by the (slice, c) keys of a task */
    SliceEvidence(int pairs, ScaleFit.Cache profiles, CellRow read) {
      this.pairs = pairs;
      this.profiles = profiles;
      this.read = read;
    }

    private double[] fit() {
      return fit == null ? fit = new double[ScaleFit.TERMS] : fit;
    }

    /** One cell of the (slice, c). */
    void add(Row r) {
      double value = read.value(r);
      double amount = read.amount(r);
      int kind = read.kind(r);
      if (kind == JaccardJoin.SBAR) {
        (sbar == null ? sbar = new double[JaccardJoin.SBAR_SUMS.size()] : sbar)[(int) value] += amount;
        return;
      }
      if (kind == JaccardJoin.JOIN) {
        (join == null ? join = new double[JaccardJoin.JOIN_COUNTS.size()] : join)[(int) value] += amount;
        return;
      }
      double[] cell = read.sums(r);
      switch (kind) {
        case Kinds.EVIDENCE -> evidence.add(cell);
        case Kinds.GAP -> gap.add(cell);
        case Kinds.HELDOUT_GAP -> heldoutGap.add(cell);
        // A share sums the space less its seen parts: rounding may leave -1e-17 for none.
        case Kinds.UNIFORM -> uniform.add(new double[] {value, amount > -1e-12 ? Math.max(0, amount) : amount});
        case Kinds.UNIFORM_MEAN -> uniformMean += amount;
        case Kinds.ROUNDING -> rounding.merge(read.longValue(r), amount, Double::sum);
        case Kinds.PH_INSAMPLE, Kinds.PH_HELDOUT, Kinds.HELDOUT_LOG_LIKELIHOOD ->
            perPair.computeIfAbsent(kind, k -> new double[pairs])[(int) value] += amount;
        case Kinds.SCALE_FIT -> fit()[(int) value] += amount;
        case Kinds.SCALE_FIT_PROFILE -> ScaleFit.add(fit(), profiles.of(read.longValue(r)), cell[3]);
        default -> counts.merge(kind, (long) (cell[1] + cell[3]), Long::sum);
      }
    }

    long examples() {
      return (long) evidence.stream().mapToDouble(r -> r[2]).sum();
    }

    long distinctContexts() {
      return (long) evidence.stream().mapToDouble(r -> r[1]).sum();
    }

    long heldoutExamples() {
      return (long) evidence.stream().mapToDouble(r -> r[3]).sum();
    }

    /** Sbar and its interval come from a sampled join. */
    boolean sampled() {
      return sbar != null;
    }

    /** The exact kernel's cells: they carry the counts of exact identity (singletons, monofacts, unseen). */
    boolean exactIdentity() {
      return sbar == null && uniform.isEmpty();
    }
  }

  /** The exact kernel's estimate. */
  public static Result compute(SparkSession spark, SliceTotals.Slices slices, Dataset<Row> cells, Params params) {
    return compute(spark, slices, cells, params, null);
  }

  /** The tagged rows of the estimate: one table's row (or an invariant violation) per row. */
  static final StructType OUT = new StructType()
      .add("table", DataTypes.IntegerType, false)
      .add("slice_bounds", Tables.SLICE_BOUNDS, true)
      .add("f_curve", Tables.F_CURVE, true)
      .add("evidence_histogram", Tables.EVIDENCE_HISTOGRAM, true)
      .add("similarity_join", Tables.SIMILARITY_JOIN, true)
      .add("violation", DataTypes.StringType, true)
      .add("fitted_scale", Tables.FITTED_SCALE, true);

  private static final int BOUNDS = 1;
  private static final int CURVE = 2;
  private static final int HISTOGRAM = 3;
  private static final int JOIN_ROW = 4;
  private static final int VIOLATION = 5;
  private static final int FIT_ROW = 6;

  /** (slice, c) keys estimated per task: one task for a run with few slices, thousands for a million. */
  static final int SLICES_PER_TASK = 64;

  /**
   * Tasks of the estimate: SLICES_PER_TASK slices each, but at least two per core while there
   * are slices to share. A (slice, c) costs about the same whatever the corpus (its cells are
   * bounded), so a run with a few dozen slices spread over the cores instead of one task
   * (measured on the default run: one 5.1 s task while the other core idled).
   */
  static int estimateTasks(long slices, int cores) {
    long bySize = (slices + SLICES_PER_TASK - 1) / SLICES_PER_TASK;
    long spread = Math.min(slices, 2L * Math.max(1, cores));
    return (int) Math.max(1, Math.min(100_000, Math.max(bySize, spread)));
  }

  /** Everything an estimate task needs besides its cells. */
  private record Plan(Params params, Soft soft, Map<Integer, Double> recallLow, CellRow read)
      implements Serializable {}

  /**
   * A slice's header in the estimate's input: its name and training documents, at a context
   * length no cell has, so the sort puts it before the slice's cells; cells leave these null.
   */
  private static final int HEADER = 0;
  private static final String DIM = "slice_dim";
  private static final String NAME = "slice_value";
  private static final String TRAINING = "training_documents";

  /**
   * The estimate as a distributed stage: cells are brought together per (slice, c) by one
   * shuffle and a spilling sort, and each (slice, c) becomes its rows of every table on an
   * executor, so neither the cells nor the rows pass through the driver. The rows are kept
   * (memory, then disk) because four tables and the violations are read from them.
   *
   * @param cells context.Cells (the exact pass's, or a soft kernel's with a real value; the join's also
   *     carry the Sbar and join kinds), summed per (slice, c, kind, value); read by column name
   * @param soft how the soft kernel's cells were made, or null for the exact kernel
   */
  public static Result compute(SparkSession spark, SliceTotals.Slices slices, Dataset<Row> cells, Params params,
      Soft soft) {
    Dataset<Row> input = withHeaders(cells, slices);
    Plan plan = new Plan(params, soft, soft instanceof Join ? recallLowByLength(cells, slices, CellRow.of(cells.schema()))
        : Map.of(), CellRow.of(input.schema()));
    Broadcast<Plan> shared = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(plan);
    int tasks = estimateTasks(slices.count(), spark.sparkContext().defaultParallelism());
    // The slice names ride in the sorted stream (one header row each), not in a map on the
    // driver: a million slice values cost the driver nothing. Sorting by kind and value too
    // fixes the order of the floating-point sums, so a rerun gives the same numbers to the bit.
    Dataset<Row> rows = input.repartition(tasks, col(CellRow.SLICE))
        .sortWithinPartitions(CellRow.SLICE, CellRow.CONTEXT_LEN, CellRow.KIND, CellRow.VALUE)
        .mapPartitions((MapPartitionsFunction<Row, Row>) in -> new Estimates(in, shared.value()), Encoders.row(OUT))
        .persist(StorageLevel.MEMORY_AND_DISK());
    return new Result(table(rows, BOUNDS, "slice_bounds"), table(rows, CURVE, "f_curve"),
        table(rows, HISTOGRAM, "evidence_histogram"), table(rows, JOIN_ROW, "similarity_join"),
        table(rows, FIT_ROW, "fitted_scale"), rows.filter(col("table").equalTo(VIOLATION)).select("violation"), List.of(rows),
        List.of(shared), List.of());
  }

  private static Dataset<Row> table(Dataset<Row> rows, int tag, String name) {
    return rows.filter(col("table").equalTo(tag)).select(name + ".*");
  }

  /** The cells and one header row per slice (see {@link #HEADER}), by column name. */
  private static Dataset<Row> withHeaders(Dataset<Row> cells, SliceTotals.Slices slices) {
    org.apache.spark.sql.types.DataType valueType = cells.schema().apply(org.hallufloor.evidence.CellRow.VALUE).dataType();
    Dataset<Row> headers = slices.table().select(col(SliceTotals.SLICE).as(CellRow.SLICE),
        lit(HEADER).as(CellRow.CONTEXT_LEN), lit(-1).as(CellRow.KIND), lit(0).cast(valueType).as(CellRow.VALUE),
        col(DIM), col(NAME), col("documents").minus(col("heldout_documents")).as(TRAINING));
    return cells.unionByName(headers, true);
  }

  /** Cells sorted by (slice, c) to the rows of each (slice, c) in turn; one (slice, c) in memory at a time. */
  private static final class Estimates implements Iterator<Row> {
    private final Iterator<Row> cells;
    private final Plan plan;
    private final ScaleFit.Cache profiles;
    private final List<Row> ready = new ArrayList<>();
    private int at;
    private Row pending;
    private Slice slice;
    private int sliceNumber = -1;

    Estimates(Iterator<Row> cells, Plan plan) {
      this.cells = cells;
      this.plan = plan;
      this.profiles = new ScaleFit.Cache(plan.params().nVocab());
    }

    @Override
    public boolean hasNext() {
      while (at == ready.size() && (pending != null || cells.hasNext())) {
        ready.clear();
        at = 0;
        Row first = pending != null ? pending : cells.next();
        pending = null;
        CellRow read = plan.read();
        if (read.contextLength(first) == HEADER) {
          slice = new Slice(first.getAs(DIM), first.getAs(NAME), first.<Long>getAs(TRAINING));
          sliceNumber = read.slice(first);
          continue;
        }
        if (read.slice(first) != sliceNumber) {
          throw new IllegalStateException("cells of slice " + read.slice(first) + ", which has no slice_stats row");
        }
        SliceEvidence ev = new SliceEvidence(plan.params().pairs().size(), profiles, read);
        ev.add(first);
        while (cells.hasNext()) {
          Row r = cells.next();
          if (read.slice(r) != read.slice(first) || read.contextLength(r) != read.contextLength(first)) {
            pending = r;
            break;
          }
          ev.add(r);
        }
        estimate(slice, read.contextLength(first), ev, plan.params(), plan.soft(),
            plan.recallLow(), (tag, row) -> ready.add(tagged(tag, row)));
      }
      return at < ready.size();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      return ready.get(at++);
    }

    private static Row tagged(int tag, Object row) {
      Object[] v = new Object[OUT.size()];
      v[0] = tag;
      v[tag] = row;
      return RowFactory.create(v);
    }
  }

  /** Where one (slice, c)'s rows go, each with its table's tag. */
  interface Sink {
    void add(int table, Object row);
  }

  /**
   * One (slice, c): Sbar, the spectra of every distribution, and for each (beta_S, T) pair the
   * bounds, the f curve and the invariant checks of THEORY 3 and 5; then the histogram.
   */
  static void estimate(Slice slice, int c, SliceEvidence ev, Params params, Soft soft, Map<Integer, Double> recallLow,
      Sink out) {
    if (ev.examples() == 0) {
      return; // a slice made only of held-out documents has no training evidence to bound with
    }
    List<String> violations = new ArrayList<>();
    SampledSbar sbar = sbar(ev, c, soft, params, recallLow);
    if (ev.sampled()) {
      out.add(JOIN_ROW, joinRow(slice, c, ev, sbar, params, (Join) soft));
    }
    Map<Distribution, Spectrum> spectra = spectra(ev, c, params);
    if (soft instanceof Suffix s) {
      // Two ways to the uniform mean evidence: the space's cells, and |D| Sbar / N_V^c.
      double closedForm = Math.log10(ev.examples()) + SuffixKernel.log10Sbar(s.lambda(), params.nVocab(), c)
          - c * Math.log10(params.nVocab());
      double fromCells = Math.log10(ev.uniformMean);
      check(violations, Math.abs(fromCells - closedForm) < 1e-9 * Math.max(1, Math.abs(closedForm)),
          String.format("%s=%s c=%d: uniform mean evidence 10^%s over the space's cells, but |D| Sbar / N_V^c = 10^%s",
              slice.dim(), slice.value(), c, fromCells, closedForm));
    }
    double bestConfigured = Double.NEGATIVE_INFINITY;
    ScalePairs pairs = params.pairs();
    for (int pair = 0; pair < pairs.size(); pair++) {
      Double ll = perPair(ev, Kinds.HELDOUT_LOG_LIKELIHOOD, pair, ev.heldoutExamples());
      rowsAt(new Scale(pairs.betaS(pair), pairs.temperature(pair), pair, ll, CONFIG), slice, c, ev, spectra, params,
          sbar, violations, out);
      bestConfigured = ll == null ? bestConfigured : Math.max(bestConfigured, ll);
    }
    if (ev.fit != null && ev.heldoutExamples() > 0) {
      ScaleFit.Fit fit = ScaleFit.fit(ev.fit, ev.heldoutExamples(),
          ev.counts.getOrDefault(Kinds.HELDOUT_UNSEEN_CONTEXTS, 0L), params.nVocab());
      out.add(FIT_ROW, RowFactory.create(slice.dim(), slice.value(), c, params.kernel(), fit.aStar(), fit.ciLow(),
          fit.ciHigh(), fit.logLikelihood(), fit.heldoutExamples(), fit.status()));
      if (fit.aStar() != null) {
        check(violations, fit.logLikelihood() >= bestConfigured - FIT_SLACK * Math.abs(bestConfigured),
            String.format("%s=%s c=%d: the fitted scale's held-out log-likelihood %s is below a configured pair's %s",
                slice.dim(), slice.value(), c, fit.logLikelihood(), bestConfigured));
        rowsAt(new Scale(fit.aStar(), 1, -1, fit.logLikelihood(), FITTED), slice, c, ev, spectra, params, sbar,
            violations, out);
      }
    }
    for (Row h : histogramRows(slice, c, ev, params.kernel())) {
      out.add(HISTOGRAM, h);
    }
    for (String v : violations) {
      out.add(VIOLATION, v);
    }
  }

  /** beta_source of the configured (beta_S, T) pairs' rows, and of the rows at the fitted scale. */
  public static final String CONFIG = "config";
  public static final String FITTED = "fitted";
  /**
   * Relative slack of the check that the fitted log-likelihood is not below a configured pair's:
   * the fit interpolates between probes (bound.ScaleFit), the pairs' values are exact sums.
   */
  private static final double FIT_SLACK = 1e-7;

  /**
   * One scale's rows: a configured (beta_S, T) pair ({@code pair} its index in the cells), or
   * the fitted scale ({@code pair = -1}: its P_h was not summed, so model_ph is null there).
   */
  private record Scale(double betaS, double t, int pair, Double heldoutLogLikelihood, String source) {}

  /** The bounds and f curve of every distribution at one scale, and the invariant checks of THEORY 3 and 5. */
  private static void rowsAt(Scale scale, Slice slice, int c, SliceEvidence ev, Map<Distribution, Spectrum> spectra,
      Params params, SampledSbar sbar, List<String> violations, Sink out) {
    double betaS = scale.betaS();
    double t = scale.t();
    Map<Distribution, Spectrum.Empirical> empirical = new EnumMap<>(Distribution.class);
    for (Map.Entry<Distribution, Spectrum> d : spectra.entrySet()) {
      Spectrum spectrum = d.getValue();
      OptimisedBound b = OptimisedBound.ofLog10K(Math.log10(betaS) + spectrum.log10Mean() - Math.log10(t));
      Spectrum.Empirical emp = spectrum.empiricalBound(betaS, t);
      empirical.put(d.getKey(), emp);
      Double modelPh = modelPh(d.getKey(), ev, scale.pair());
      String where = String.format("%s=%s c=%d beta_s=%s T=%s %s", slice.dim(), slice.value(), c, betaS, t,
          d.getKey().tableName());
      // The claim is about exact values; where rounding alone lowered the empirical bound, its
      // upper estimate for the unrounded values is what must not fall below.
      boolean soft = !params.kernel().equals(Tables.EXACT);
      check(violations, emp.log10Bound() >= b.log10Bound() - SLACK || spectrum.empiricalBound(betaS, t,
              v -> Kinds.leastUnrounded(v, soft)).log10Bound() >= b.log10Bound() - SLACK,
          where + ": empirical_bound 10^" + emp.log10Bound() + " < bound 10^" + b.log10Bound());
      if (modelPh != null) {
        check(violations, emp.bound() <= modelPh * (1 + SLACK),
            where + ": empirical_bound " + emp.bound() + " > model_ph " + modelPh);
      }
      boolean heldout = d.getKey() == Distribution.HELDOUT || d.getKey() == Distribution.MARGIN_HELDOUT;
      out.add(BOUNDS, boundsRow(slice, c, scale, d.getKey(), ev, spectrum, b, emp, modelPh, params, sbar,
          heldout ? scale.heldoutLogLikelihood() : null));
      if (scale.pair() >= 0) {
        for (double eps0 : params.eps0Grid()) {
          FCurve p = FCurve.at(spectrum, eps0, betaS, t);
          out.add(CURVE, RowFactory.create(slice.dim(), slice.value(), c, params.kernel(), betaS, t,
              d.getKey().tableName(), eps0, p.mPrime(), p.f(), p.fMarkovLower(), p.g(), p.gMarkov()));
        }
      }
    }
    checkMargin(violations, empirical, Distribution.OCCURRENCE, Distribution.MARGIN_OCCURRENCE, slice, c, betaS, t);
    checkMargin(violations, empirical, Distribution.HELDOUT, Distribution.MARGIN_HELDOUT, slice, c, betaS, t);
  }

  /** A per-pair sum over {@code examples}, or null where the cells carry none (or there are no examples). */
  private static Double perPair(SliceEvidence ev, int kind, int pair, long examples) {
    double[] sums = pair < 0 ? null : ev.perPair.get(kind);
    return sums == null || examples == 0 ? null : sums[pair] / examples;
  }

  /** Sbar of a (slice, c): 1 (exact), the closed form (suffix), or the sampled join's estimate (jaccard). */
  private static SampledSbar sbar(SliceEvidence ev, int c, Soft soft, Params params, Map<Integer, Double> recallLow) {
    if (ev.sampled()) {
      return SampledSbar.of(ev.sbar, params.contextSampleRate(), recallLow(ev, recallLow.getOrDefault(c, 1.0)));
    }
    if (soft instanceof Suffix s) {
      double value = SuffixKernel.sbar(s.lambda(), params.nVocab(), c);
      return new SampledSbar(value, value, value, 0);
    }
    return new SampledSbar(1, 1, 1, 0);
  }

  /**
   * Per context length, the lower confidence limit of the join's recall of evidence over the
   * whole corpus's audit queries: a slice whose own audit saw no similar pair uses it. Read
   * from the whole corpus's join cells alone (a few per context length).
   */
  private static Map<Integer, Double> recallLowByLength(Dataset<Row> cells, SliceTotals.Slices slices, CellRow read) {
    List<Row> allRow = slices.table().filter(col(DIM).equalTo(Tables.ALL)).select(SliceTotals.SLICE).limit(1)
        .collectAsList();
    int all = allRow.isEmpty() ? -1 : allRow.get(0).getInt(0);
    Map<Integer, SliceEvidence> byLength = new TreeMap<>();
    for (Row r : cells.filter(col(CellRow.SLICE).equalTo(all).and(col(CellRow.KIND).equalTo(JaccardJoin.JOIN)))
        .collectAsList()) {
      byLength.computeIfAbsent(read.contextLength(r), k -> new SliceEvidence(0, null, read)).add(r);
    }
    Map<Integer, Double> out = new TreeMap<>();
    byLength.forEach((c, ev) -> out.put(c, recallLow(ev, 1)));
    return out;
  }

  /**
   * Lower 95% limit of the share of the audited pairs' evidence the join found in this slice
   * (Wilson, at Kish's effective number of pairs), or {@code otherwise} when the audit saw none.
   */
  private static double recallLow(SliceEvidence ev, double otherwise) {
    double weight = joinCount(ev, "audit_weight");
    return weight == 0 ? otherwise : SampledSbar.wilsonLow(joinCount(ev, "audit_weight_found") / weight,
        weight * weight / joinCount(ev, "audit_weight_squares"));
  }

  private static double joinCount(SliceEvidence ev, String name) {
    return ev.join == null ? 0 : ev.join[JaccardJoin.JOIN_COUNTS.indexOf(name)];
  }

  private static Row joinRow(Slice slice, int c, SliceEvidence ev, SampledSbar sbar, Params params, Join join) {
    long auditPairs = (long) joinCount(ev, "audit_pairs");
    Double recall = auditPairs == 0 ? null : joinCount(ev, "audit_found") / auditPairs;
    Double recallLow = recall == null ? null : SampledSbar.wilsonLow(recall, auditPairs);
    boolean banded = join.method(c).equals("minhash");
    return RowFactory.create(slice.dim(), slice.value(), c, params.kernel(), banded ? join.bands() : 0,
        banded ? join.rows() : 0,
        join.sampleRate(), (long) joinCount(ev, "query_contexts"), (long) joinCount(ev, "candidate_pairs"),
        (long) joinCount(ev, "verified_pairs"), sbar.estimate(), sbar.ciLow(), sbar.ciHigh(), auditPairs,
        recall, join.seconds(), join.tau(),
        (long) joinCount(ev, "query_sets"), 0L, 0L,
        (long) joinCount(ev, "audit_queries"), (long) joinCount(ev, "audit_found_not_true"), sbar.standardError(),
        joinCount(ev, "audit_weight") == 0 ? null : joinCount(ev, "audit_weight_found") / joinCount(ev, "audit_weight"),
        join.method(c), recallLow,
        Tables.recallStatus(auditPairs, recall == null ? 0 : recall, recallLow == null ? 0 : recallLow));
  }

  private static void check(List<String> violations, boolean ok, String message) {
    if (!ok) {
      violations.add(message);
    }
  }

  private static void checkMargin(List<String> violations, Map<Distribution, Spectrum.Empirical> empirical,
      Distribution plain, Distribution margin, Slice slice, int c, double betaS, double t) {
    if (empirical.containsKey(plain) && empirical.containsKey(margin)) {
      check(violations, empirical.get(margin).log10Bound() >= empirical.get(plain).log10Bound() - SLACK,
          String.format("%s=%s c=%d beta_s=%s T=%s: %s empirical bound below %s's", slice.dim(), slice.value(), c,
              betaS, t, margin.tableName(), plain.tableName()));
    }
  }

  /** The logit model's mean hallucination probability where the distribution has one (THEORY 5). */
  private static Double modelPh(Distribution d, SliceEvidence ev, int pair) {
    // P_h needs E(y|X) per next token: only the exact pass's cells carry its sums.
    return switch (d) {
      case OCCURRENCE, MARGIN_OCCURRENCE -> perPair(ev, Kinds.PH_INSAMPLE, pair, ev.examples());
      case HELDOUT, MARGIN_HELDOUT -> perPair(ev, Kinds.PH_HELDOUT, pair, ev.heldoutExamples());
      default -> null;
    };
  }

  /**
   * THEORY 2's table as spectra. Sampled contexts ({@code context-sample-rate} r < 1) keep
   * their exact evidence; each stands for 1/r contexts of the space.
   */
  static Map<Distribution, Spectrum> spectra(SliceEvidence ev, int c, Params params) {
    Map<Distribution, Spectrum> out = new EnumMap<>(Distribution.class);
    double rate = params.contextSampleRate();
    if (ev.uniform.isEmpty()) {
      out.put(Distribution.UNIFORM, spectrum(ev.evidence, Kinds.EVIDENCE, 1, 1 / rate, c * Math.log10(params.nVocab()), ev));
    } else {
      // The cells cover the whole space (their shares sum to 1): no mass left for evidence 0.
      out.put(Distribution.UNIFORM, spectrum(ev.uniform, -1, 1, 1, Double.NaN, ev));
    }
    out.put(Distribution.DISTINCT, spectrum(ev.evidence, Kinds.EVIDENCE, 1, 1, Double.NaN, ev));
    out.put(Distribution.OCCURRENCE, spectrum(ev.evidence, Kinds.EVIDENCE, 2, 1, Double.NaN, ev));
    // Margins need E(y|X) per next token: the exact pass's cells carry them, a soft kernel's set join does not.
    if (!ev.gap.isEmpty()) {
      out.put(Distribution.MARGIN_OCCURRENCE, spectrum(ev.gap, Kinds.GAP, 2, 1, Double.NaN, ev));
    }
    if (ev.heldoutExamples() > 0) {
      out.put(Distribution.HELDOUT, spectrum(ev.evidence, Kinds.EVIDENCE, 3, 1, Double.NaN, ev));
      if (!ev.heldoutGap.isEmpty()) {
        out.put(Distribution.MARGIN_HELDOUT, spectrum(ev.heldoutGap, Kinds.HELDOUT_GAP, 3, 1, Double.NaN, ev));
      }
    }
    return out;
  }

  /**
   * Cells {value, contexts, occurrences, heldout} of {@code kind} to a spectrum weighted by
   * column {@code weight}; where some of the kind's values were rounded up (Kinds.rounded), its
   * mean is made exact by the rounding cells of that kind and column.
   */
  private static Spectrum spectrum(List<double[]> cells, int kind, int weight, double scale, double log10Total,
      SliceEvidence ev) {
    double[] values = new double[cells.size()];
    double[] weights = new double[cells.size()];
    double sum = 0;
    for (int i = 0; i < values.length; i++) {
      values[i] = cells.get(i)[0];
      weights[i] = cells.get(i)[weight] * scale;
      sum += values[i] * weights[i];
    }
    Double correction = kind < 0 ? null : ev.rounding.get(Kinds.roundingKey(kind, weight));
    return Spectrum.of(values, weights, log10Total, correction == null ? Double.NaN : sum + correction * scale);
  }

  private static Row boundsRow(Slice slice, int c, Scale scale, Distribution d, SliceEvidence ev,
      Spectrum spectrum, OptimisedBound b, Spectrum.Empirical emp, Double modelPh, Params params, SampledSbar sbar,
      Double heldoutLogLikelihood) {
    double rate = params.contextSampleRate();
    long examples = ev.examples();
    long heldout = ev.heldoutExamples();
    // Counts of exact identity: the exact kernel's rows carry them, a soft kernel's leave them null.
    boolean counted = ev.exactIdentity();
    Double unseenContexts = heldout == 0 || !counted ? null
        : (double) ev.counts.getOrDefault(Kinds.HELDOUT_UNSEEN_CONTEXTS, 0L) / heldout;
    Double unseenFacts = heldout == 0 || !counted ? null
        : (double) ev.counts.getOrDefault(Kinds.HELDOUT_UNSEEN_FACTS, 0L) / heldout;
    return RowFactory.create(slice.dim(), slice.value(), c, params.kernel(), params.tokenizer(), params.nVocab(),
        scale.betaS(), scale.t(), d.tableName(), slice.trainingDocuments(), Math.round(examples / rate),
        Math.round(ev.distinctContexts() / rate), sbar.estimate(), sbar.ciLow(), sbar.ciHigh(),
        spectrum.mean(), log10(spectrum.log10Mean()), b.k(), log10(b.log10K()), b.lStar(), b.eps0Star(), b.bound(),
        log10(b.log10Bound()), emp.bound(), emp.eps0(),
        counted ? (double) ev.counts.getOrDefault(Kinds.SINGLETON_CONTEXTS, 0L) / examples : null,
        counted ? (double) ev.counts.getOrDefault(Kinds.MONOFACTS, 0L) / examples : null,
        unseenContexts, unseenFacts, modelPh, rate, params.computedAt(), log10(emp.log10Bound()),
        d == Distribution.HELDOUT || d == Distribution.MARGIN_HELDOUT ? heldout : examples,
        counted ? (double) ev.counts.getOrDefault(Kinds.DOCUMENT_SINGLETON_CONTEXTS, 0L) / examples : null,
        counted ? (double) ev.counts.getOrDefault(Kinds.DOCUMENT_MONOFACTS, 0L) / examples : null,
        heldoutLogLikelihood, scale.source(), counted ? Tables.EXACT_RATES : null);
  }

  /**
   * A log10 column's value: null where the quantity is 0 (a held-out distribution whose every
   * context is unseen has mean evidence 0), so no table holds an infinity.
   */
  private static Double log10(double value) {
    return Double.isFinite(value) ? value : null;
  }

  private static List<Row> histogramRows(Slice slice, int c, SliceEvidence ev, String kernel) {
    Map<Double, double[]> buckets = new TreeMap<>();
    for (double[] cell : ev.evidence) {
      double[] b = buckets.computeIfAbsent(EvidenceHistogram.low(cell[0]),
          k -> new double[] {EvidenceHistogram.high(cell[0]), 0, 0, 0});
      b[1] += cell[1];
      b[2] += cell[2];
      b[3] += cell[3];
    }
    boolean anyHeldout = ev.heldoutExamples() > 0;
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<Double, double[]> b : buckets.entrySet()) {
      double[] v = b.getValue();
      rows.add(RowFactory.create(slice.dim(), slice.value(), c, kernel, b.getKey(), v[0],
          (long) v[1], (long) v[2], anyHeldout ? (Long) (long) v[3] : null));
    }
    return rows;
  }
}
