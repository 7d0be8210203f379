package org.hallufloor.bound;

import java.io.Serializable;
import java.util.List;

/**
 * The configured (beta_S, T) pairs (THEORY 3: k = beta_S E / T) in the one order every stage
 * uses: beta_S outer, T inner, so pair {@code i} is (betaS[i / |T|], T[i % |T|]). The evidence
 * pass sums P_h and the held-out log-likelihood per pair index, and the estimate reads them back
 * by the same index; both ask here.
 */
public record ScalePairs(List<Double> betaS, List<Double> temperatures) implements Serializable {
  public ScalePairs {
    if (betaS.isEmpty() || temperatures.isEmpty()) {
      throw new IllegalArgumentException("at least one beta_S and one T: " + betaS + ", " + temperatures);
    }
    betaS = List.copyOf(betaS);
    temperatures = List.copyOf(temperatures);
  }

  public int size() {
    return betaS.size() * temperatures.size();
  }

  public double betaS(int pair) {
    return betaS.get(pair / temperatures.size());
  }

  public double temperature(int pair) {
    return temperatures.get(pair % temperatures.size());
  }

  /** beta_S / T of the pair: the scale a that multiplies evidence into a logit. */
  public double scale(int pair) {
    return betaS(pair) / temperature(pair);
  }
}
