package org.hallufloor.estimate;

import java.io.Serializable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.hallufloor.bound.FCurve;
import org.hallufloor.bound.OptimisedBound;
import org.hallufloor.bound.Spectrum;
import org.hallufloor.evidence.EvidenceHistogram;
import org.hallufloor.evidence.Kinds;

/**
 * Evidence cells to k, f and bounds (THEORY 2, 3, 5). A slice's evidence arrives as spectra,
 * a few thousand cells however large the corpus, so the bound math runs on the driver,
 * exactly, in the pure {@code bound} package, and every invariant is checked on every row.
 */
public final class SliceBounds {
  /** Relative slack (in log10) of the invariant checks, for rounding only. */
  private static final double SLACK = 1e-9;

  private SliceBounds() {}

  /** Run-wide inputs of the estimate; {@code betaS} x {@code temperatures} in that order are the pairs. */
  public record Params(String tokenizer, long nVocab, String kernel, List<Double> betaS, List<Double> temperatures,
      List<Double> eps0Grid, double contextSampleRate, Timestamp computedAt) implements Serializable {
    /** beta_S / T of every (beta_S, T) pair, beta_S outer. */
    public double[] betaOverT() {
      double[] out = new double[betaS.size() * temperatures.size()];
      int i = 0;
      for (double b : betaS) {
        for (double t : temperatures) {
          out[i++] = b / t;
        }
      }
      return out;
    }
  }

  /** A slice by its number in the facts: its dimension, value and training documents. */
  public record Slice(String dim, String value, long trainingDocuments) implements Serializable {}

  public record Result(Dataset<Row> sliceBounds, Dataset<Row> fCurve, Dataset<Row> evidenceHistogram,
      List<String> invariantViolations) {}

  /** The evidence of one (slice, context length), from its cells. */
  static final class SliceEvidence {
    final List<long[]> evidence = new ArrayList<>();
    final List<long[]> gap = new ArrayList<>();
    final List<long[]> heldoutGap = new ArrayList<>();
    final Map<Integer, Long> counts = new TreeMap<>();
    final Map<Integer, double[]> ph = new TreeMap<>();

    long examples() {
      return evidence.stream().mapToLong(r -> r[2]).sum();
    }

    long distinctContexts() {
      return evidence.stream().mapToLong(r -> r[1]).sum();
    }

    long heldoutExamples() {
      return evidence.stream().mapToLong(r -> r[3]).sum();
    }
  }

  /** @param cells slice, context_len, kind, value, contexts, occurrences, heldout, amount (ExactEvidence). */
  public static Result compute(SparkSession spark, Map<Integer, Slice> slices, Dataset<Row> cells, Params params) {
    int pairs = params.betaS().size() * params.temperatures().size();
    Map<List<Integer>, SliceEvidence> bySlice = new TreeMap<>((a, b) -> a.get(0).equals(b.get(0))
        ? Integer.compare(a.get(1), b.get(1)) : Integer.compare(a.get(0), b.get(0)));
    for (Row r : cells.collectAsList()) {
      SliceEvidence e = bySlice.computeIfAbsent(List.of(r.getInt(0), r.getInt(1)), k -> new SliceEvidence());
      long value = r.getLong(3);
      long[] cell = {value, r.getLong(4), r.getLong(5), r.getLong(6)};
      int kind = Kinds.NAMES.indexOf(r.getString(2));
      switch (kind) {
        case Kinds.EVIDENCE -> e.evidence.add(cell);
        case Kinds.GAP -> e.gap.add(cell);
        case Kinds.HELDOUT_GAP -> e.heldoutGap.add(cell);
        case Kinds.PH_INSAMPLE, Kinds.PH_HELDOUT -> e.ph.computeIfAbsent(kind, k -> new double[pairs])[(int) value] += r.getDouble(7);
        default -> e.counts.merge(kind, r.getLong(4) + r.getLong(6), Long::sum);
      }
    }
    List<Row> bounds = new ArrayList<>();
    List<Row> curve = new ArrayList<>();
    List<Row> histogram = new ArrayList<>();
    List<String> violations = new ArrayList<>();
    for (Map.Entry<List<Integer>, SliceEvidence> entry : bySlice.entrySet()) {
      Slice slice = slices.get(entry.getKey().get(0));
      int c = entry.getKey().get(1);
      SliceEvidence ev = entry.getValue();
      if (ev.examples() == 0) {
        continue; // a slice made only of held-out documents has no training evidence to bound with
      }
      Map<Distribution, Spectrum> spectra = spectra(ev, c, params);
      int pair = 0;
      for (double betaS : params.betaS()) {
        for (double t : params.temperatures()) {
          Map<Distribution, Spectrum.Empirical> empirical = new EnumMap<>(Distribution.class);
          for (Map.Entry<Distribution, Spectrum> d : spectra.entrySet()) {
            Spectrum spectrum = d.getValue();
            OptimisedBound b = OptimisedBound.ofLog10K(Math.log10(betaS) + spectrum.log10Mean() - Math.log10(t));
            Spectrum.Empirical emp = spectrum.empiricalBound(betaS, t);
            empirical.put(d.getKey(), emp);
            Double modelPh = modelPh(d.getKey(), ev, pair);
            String where = String.format("%s=%s c=%d beta_s=%s T=%s %s", slice.dim(), slice.value(), c, betaS, t,
                d.getKey().tableName());
            check(violations, emp.log10Bound() >= b.log10Bound() - SLACK,
                where + ": empirical_bound " + emp.bound() + " < bound " + b.bound());
            if (modelPh != null) {
              check(violations, emp.bound() <= modelPh * (1 + SLACK),
                  where + ": empirical_bound " + emp.bound() + " > model_ph " + modelPh);
            }
            bounds.add(boundsRow(slice, c, betaS, t, d.getKey(), ev, spectrum, b, emp, modelPh, params));
            for (double eps0 : params.eps0Grid()) {
              FCurve p = FCurve.at(spectrum, eps0, betaS, t);
              curve.add(RowFactory.create(slice.dim(), slice.value(), c, params.kernel(), betaS, t,
                  d.getKey().tableName(), eps0, p.mPrime(), p.f(), p.fMarkovLower(), p.g(), p.gMarkov()));
            }
          }
          checkMargin(violations, empirical, Distribution.OCCURRENCE, Distribution.MARGIN_OCCURRENCE, slice, c, betaS, t);
          checkMargin(violations, empirical, Distribution.HELDOUT, Distribution.MARGIN_HELDOUT, slice, c, betaS, t);
          pair++;
        }
      }
      histogram.addAll(histogramRows(slice, c, ev, params.kernel()));
    }
    return new Result(spark.createDataFrame(bounds, Tables.SLICE_BOUNDS), spark.createDataFrame(curve, Tables.F_CURVE),
        spark.createDataFrame(histogram, Tables.EVIDENCE_HISTOGRAM), violations);
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
    return switch (d) {
      case OCCURRENCE, MARGIN_OCCURRENCE -> ev.ph.get(Kinds.PH_INSAMPLE)[pair] / ev.examples();
      case HELDOUT, MARGIN_HELDOUT -> ev.ph.get(Kinds.PH_HELDOUT)[pair] / ev.heldoutExamples();
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
    out.put(Distribution.UNIFORM, spectrum(ev.evidence, 1, 1 / rate, c * Math.log10(params.nVocab())));
    out.put(Distribution.DISTINCT, spectrum(ev.evidence, 1, 1, Double.NaN));
    out.put(Distribution.OCCURRENCE, spectrum(ev.evidence, 2, 1, Double.NaN));
    out.put(Distribution.MARGIN_OCCURRENCE, spectrum(ev.gap, 2, 1, Double.NaN));
    if (ev.heldoutExamples() > 0) {
      out.put(Distribution.HELDOUT, spectrum(ev.evidence, 3, 1, Double.NaN));
      out.put(Distribution.MARGIN_HELDOUT, spectrum(ev.heldoutGap, 3, 1, Double.NaN));
    }
    return out;
  }

  /** Cells {value, contexts, occurrences, heldout} to a spectrum weighted by column {@code weight}. */
  private static Spectrum spectrum(List<long[]> cells, int weight, double scale, double log10Total) {
    double[] values = new double[cells.size()];
    double[] weights = new double[cells.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = cells.get(i)[0];
      weights[i] = cells.get(i)[weight] * scale;
    }
    return Spectrum.of(values, weights, log10Total);
  }

  private static Row boundsRow(Slice slice, int c, double betaS, double t, Distribution d, SliceEvidence ev,
      Spectrum spectrum, OptimisedBound b, Spectrum.Empirical emp, Double modelPh, Params params) {
    double rate = params.contextSampleRate();
    long examples = ev.examples();
    long heldout = ev.heldoutExamples();
    Double unseenContexts = heldout == 0 ? null : (double) ev.counts.getOrDefault(Kinds.HELDOUT_UNSEEN_CONTEXTS, 0L) / heldout;
    Double unseenFacts = heldout == 0 ? null : (double) ev.counts.getOrDefault(Kinds.HELDOUT_UNSEEN_FACTS, 0L) / heldout;
    return RowFactory.create(slice.dim(), slice.value(), c, params.kernel(), params.tokenizer(), params.nVocab(),
        betaS, t, d.tableName(), slice.trainingDocuments(), Math.round(examples / rate),
        Math.round(ev.distinctContexts() / rate), 1.0, 1.0, 1.0,
        spectrum.mean(), spectrum.log10Mean(), b.k(), b.log10K(), b.lStar(), b.eps0Star(), b.bound(), b.log10Bound(),
        emp.bound(), emp.eps0(),
        (double) ev.counts.getOrDefault(Kinds.SINGLETON_CONTEXTS, 0L) / examples,
        (double) ev.counts.getOrDefault(Kinds.MONOFACTS, 0L) / examples,
        unseenContexts, unseenFacts, modelPh, rate, params.computedAt(), emp.log10Bound(),
        d == Distribution.HELDOUT || d == Distribution.MARGIN_HELDOUT ? heldout : examples);
  }

  private static List<Row> histogramRows(Slice slice, int c, SliceEvidence ev, String kernel) {
    Map<Long, long[]> buckets = new TreeMap<>();
    for (long[] cell : ev.evidence) {
      long[] b = buckets.computeIfAbsent(EvidenceHistogram.low(cell[0]), k -> new long[] {EvidenceHistogram.high(cell[0]), 0, 0, 0});
      b[1] += cell[1];
      b[2] += cell[2];
      b[3] += cell[3];
    }
    boolean anyHeldout = ev.heldoutExamples() > 0;
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<Long, long[]> b : buckets.entrySet()) {
      long[] v = b.getValue();
      rows.add(RowFactory.create(slice.dim(), slice.value(), c, kernel, (double) b.getKey(), (double) v[0],
          v[1], v[2], anyHeldout ? v[3] : null));
    }
    return rows;
  }
}
