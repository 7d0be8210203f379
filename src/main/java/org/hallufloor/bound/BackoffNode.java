package org.hallufloor.bound;

import java.util.Arrays;

/**
 * {@code E(y | X)} under the back-off kernel for every next token y at once (THEORY 1), and
 * what THEORY 3 and 5 take from it: the margin form and {@code P_h} over the full vocabulary.
 *
 * <p>One node is a suffix seen in training, for one (slice, c): its depth m, the next tokens seen
 * after it with their counts {@code N_m(v, y)} among the length-c examples, and its parent (the
 * suffix one token shorter; the root, depth 0, has every next token with {@code N_0(y)}).
 * Telescoping {@link SuffixKernel}'s sum per next token gives, with
 * {@code G_0(y) = N_0(y)} and {@code G_m(v, y) = lambda G_(m-1)(parent, y) + (1 - lambda) N_m(v, y)},
 * {@code E(y | X) = lambda^(c - m) G_m(v, y)} for a context X whose longest suffix seen in
 * training is v. A token never seen after v has {@code G_m(v, y) = lambda G_(m-1)(parent, y)}, so
 * a node stores only its own tokens' values and three summaries of all the others, each built
 * from its parent's in time proportional to its own tokens:
 *
 * <ul>
 *   <li>the partition sum {@code Z = sum_y exp(b G_m(v, y))} over all N_V tokens, per logit
 *       scale, {@code b = a lambda^(c - m)} (a = beta_S / T): the parent's sum at its own scale
 *       {@code b lambda}, less its terms for this node's tokens, plus this node's terms. The
 *       subtraction cannot lose precision that matters: Z is at least the removed terms (each
 *       rises) and at least what is left, so its absolute error stays a few ulps of Z;
 *   <li>the two largest values among tokens outside this node's: the parent's largest outside
 *       its own (times lambda), and the parent's own tokens walked in decreasing value,
 *       skipping this node's (at most its size + 2 steps);
 *   <li>the two largest values over all tokens, for the margins.
 * </ul>
 *
 * <p>Pure arithmetic on arrays: the suffix scan (evidence.SuffixEvidence) builds the nodes
 * along its walk and asks each training context and held-out example for its margin and P_h.
 */
public final class BackoffNode {
  /** The token of a value that comes from a token never seen at the root (value 0). */
  public static final int UNSEEN = -1;
  /** No such value (fewer than two tokens outside): below every real value, which is >= 0. */
  private static final double NONE = -1;

  private final BackoffNode parent;
  private final double lambda;
  private final long nVocab;
  /** log(N_V - 1): every token's weight is at least 1, so the others of any token weigh at least this (P_h's floor). */
  private final double logOthers;
  private final int depth;
  private final int[] ys;
  private final long[] counts;
  private final double[] g;
  /** Per logit scale: the node's own scale b and log Z at it. */
  private final double[] b;
  private final double[] logZ;
  /** The two largest values of tokens outside this node's, and their tokens. */
  private final double[] outside = {NONE, NONE};
  private final int[] outsideToken = {UNSEEN, UNSEEN};
  /** The two largest values over every token, and their tokens. */
  private final double[] top = {NONE, NONE};
  private final int[] topToken = {UNSEEN, UNSEEN};
  /** Own tokens' indices by decreasing value, made when a child first needs them. */
  private int[] byValue;

  private BackoffNode(BackoffNode parent, double lambda, long nVocab, int depth, int[] ys, long[] counts,
      int size, int scales) {
    this.parent = parent;
    this.lambda = lambda;
    this.nVocab = nVocab;
    this.depth = depth;
    // A root keeps its caller's arrays (a loaded table's, never changed); a child's come from a reused buffer.
    boolean share = parent == null && size == ys.length && size == counts.length;
    this.ys = share ? ys : Arrays.copyOf(ys, size);
    this.counts = share ? counts : Arrays.copyOf(counts, size);
    this.logOthers = Math.log(nVocab - 1.0);
    this.g = new double[size];
    this.b = new double[scales];
    this.logZ = new double[scales];
    for (int i = 1; i < size; i++) {
      if (this.ys[i] <= this.ys[i - 1]) {
        throw new IllegalArgumentException("next tokens must be increasing: " + this.ys[i - 1] + ", " + this.ys[i]);
      }
    }
  }

  /**
   * The root of one (slice, c): every next token with its count among the slice's length-c
   * training examples ({@code ys} increasing), at logit scales {@code a} (beta_S / T per pair).
   */
  public static BackoffNode root(int[] ys, long[] counts, int size, long nVocab, double lambda, int c, double[] a) {
    if (!(lambda > 0 && lambda <= 1)) {
      throw new IllegalArgumentException("lambda must be in (0, 1]: " + lambda);
    }
    if (size > nVocab) {
      throw new IllegalArgumentException(size + " next tokens seen, more than N_V = " + nVocab);
    }
    BackoffNode root = new BackoffNode(null, lambda, nVocab, 0, ys, counts, size, a.length);
    for (int i = 0; i < size; i++) {
      root.g[i] = counts[i];
    }
    long unseen = nVocab - size;
    for (int s = 0; s < a.length; s++) {
      root.b[s] = a[s] * Math.pow(lambda, c);
      double shift = 0;
      for (int i = 0; i < size; i++) {
        shift = Math.max(shift, root.b[s] * root.g[i]);
      }
      double sum = unseen * Math.exp(-shift);
      for (int i = 0; i < size; i++) {
        sum += Math.exp(root.b[s] * root.g[i] - shift);
      }
      root.logZ[s] = shift + Math.log(sum);
    }
    for (int k = 0; k < Math.min(2, unseen); k++) {
      root.outside[k] = 0;
    }
    root.settle();
    return root;
  }

  /**
   * The node one token deeper: {@code ys} (increasing) and {@code counts} are its next tokens
   * and their counts {@code N_m}, each also a next token of this node (its examples are this
   * node's too).
   */
  public BackoffNode child(int[] childYs, long[] childCounts, int size) {
    BackoffNode v = new BackoffNode(this, lambda, nVocab, depth + 1, childYs, childCounts, size, b.length);
    double[] parentG = new double[size];
    for (int i = 0; i < size; i++) {
      int at = Arrays.binarySearch(ys, v.ys[i]);
      if (at < 0) {
        throw new IllegalArgumentException("token " + v.ys[i] + " follows the suffix at depth " + v.depth
            + " but not the one above it: the counts are not of the same examples");
      }
      parentG[i] = g[at];
      v.g[i] = lambda * g[at] + (1 - lambda) * v.counts[i];
    }
    for (int s = 0; s < b.length; s++) {
      v.b[s] = b[s] / lambda;
      double shift = logZ[s];
      for (int i = 0; i < size; i++) {
        shift = Math.max(shift, v.b[s] * v.g[i]);
      }
      double own = 0;
      double removed = 0;
      for (int i = 0; i < size; i++) {
        own += Math.exp(v.b[s] * v.g[i] - shift);
        removed += Math.exp(b[s] * parentG[i] - shift);
      }
      // Every token outside weighs at least exp(0): the floor also absorbs rounding below it.
      double rest = Math.max(Math.exp(logZ[s] - shift) - removed, (nVocab - size) * Math.exp(-shift));
      v.logZ[s] = shift + Math.log(own + rest);
    }
    // Outside the child: outside this node (times lambda), or this node's tokens the child lacks.
    for (int k = 0; k < 2; k++) {
      v.offerOutside(outside[k] == NONE ? NONE : lambda * outside[k], outsideToken[k]);
    }
    int[] order = ranked();
    int found = 0;
    for (int j = 0; j < order.length && found < 2; j++) {
      int i = order[j];
      if (Arrays.binarySearch(v.ys, ys[i]) < 0) {
        v.offerOutside(lambda * g[i], ys[i]);
        found++;
      }
    }
    v.settle();
    return v;
  }

  private void offerOutside(double value, int token) {
    if (value > outside[0]) {
      outside[1] = outside[0];
      outsideToken[1] = outsideToken[0];
      outside[0] = value;
      outsideToken[0] = token;
    } else if (value > outside[1]) {
      outside[1] = value;
      outsideToken[1] = token;
    }
  }

  /** The two largest values over all tokens: the outside two, and the own tokens' largest two. */
  private void settle() {
    top[0] = outside[0];
    top[1] = outside[1];
    topToken[0] = outsideToken[0];
    topToken[1] = outsideToken[1];
    for (int i = 0; i < g.length; i++) {
      if (g[i] > top[0]) {
        top[1] = top[0];
        topToken[1] = topToken[0];
        top[0] = g[i];
        topToken[0] = ys[i];
      } else if (g[i] > top[1]) {
        top[1] = g[i];
        topToken[1] = ys[i];
      }
    }
  }

  /** Own tokens' indices by decreasing value, sorted once, when the first child needs them. */
  private int[] ranked() {
    if (byValue == null) {
      byValue = new int[g.length];
      for (int i = 0; i < byValue.length; i++) {
        byValue[i] = i;
      }
      sortByValue(byValue, new int[byValue.length], 0, byValue.length);
    }
    return byValue;
  }

  /** Merge sort of indices by decreasing g (no boxing: a hot suffix has tens of thousands of tokens). */
  private void sortByValue(int[] a, int[] scratch, int from, int to) {
    if (to - from < 2) {
      return;
    }
    int mid = (from + to) >>> 1;
    sortByValue(a, scratch, from, mid);
    sortByValue(a, scratch, mid, to);
    System.arraycopy(a, from, scratch, from, to - from);
    int i = from;
    int j = mid;
    for (int k = from; k < to; k++) {
      a[k] = j >= to || (i < mid && g[scratch[i]] >= g[scratch[j]]) ? scratch[i++] : scratch[j++];
    }
  }

  public int depth() {
    return depth;
  }

  /** Own next tokens (increasing) and their counts N_m, as given. */
  public int size() {
    return ys.length;
  }

  public int token(int i) {
    return ys[i];
  }

  public long count(int i) {
    return counts[i];
  }

  /** {@code G_m(v, y)}: {@code E(y | X) / lambda^(c - m)} for a context X whose longest seen suffix is this node. */
  public double value(int y) {
    int at = Arrays.binarySearch(ys, y);
    if (at >= 0) {
      return g[at];
    }
    return parent == null ? 0 : lambda * parent.value(y);
  }

  /** {@code max_{y' != y} G_m(v, y')}; 0 when every other token is unseen. */
  public double maxOther(int y) {
    double other = topToken[0] != y || topToken[0] == UNSEEN ? top[0] : top[1];
    return Math.max(other, 0);
  }

  /** THEORY 3's in-sample margin in G units: the largest value less the second (y* the most likely token). */
  public double inSampleMargin() {
    return Math.max(top[0], 0) - Math.max(top[1], 0);
  }

  /** THEORY 3's held-out margin in G units: {@code max(G(y) - max_{y' != y} G(y'), 0)}, y the token that followed. */
  public double heldoutMargin(int y) {
    return Math.max(value(y) - maxOther(y), 0);
  }

  /**
   * {@code 1 - P(y | X)} of THEORY 5's softmax at scale pair {@code s}, X's longest seen suffix
   * this node. Near {@code P = 1} the difference {@code 1 - exp(log P)} loses its relative
   * precision; it is kept from below by {@code sigmoid(log(others) - b G(y))} with others at
   * least the next largest weight and at least {@code N_V - 1} (every weight is at least 1), so
   * no rounding takes it under {@code sigmoid(-b G(y))}, which the bounds rely on.
   */
  public double hallucination(int s, int y) {
    return hallucinationAt(s, y, value(y));
  }

  /** {@link #hallucination} for own token {@code i} (its value at hand). */
  public double hallucinationOfOwn(int s, int i) {
    return hallucinationAt(s, ys[i], g[i]);
  }

  /** {@code log P(y | X)} at scale pair {@code s}. */
  public double logProbability(int s, int y) {
    return b[s] * value(y) - logZ[s];
  }

  /** {@code log Z} at scale pair {@code s} (its own scale {@code a lambda^(c - m)}). */
  public double logPartition(int s) {
    return logZ[s];
  }

  private double hallucinationAt(int s, int y, double value) {
    double logP = b[s] * value - logZ[s];
    double others = Math.max(b[s] * maxOther(y), logOthers);
    double floor = 1 / (1 + Math.exp(b[s] * value - others));
    return Math.min(1, Math.max(-Math.expm1(Math.min(logP, 0)), floor));
  }
}
