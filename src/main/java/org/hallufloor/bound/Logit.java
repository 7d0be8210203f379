package org.hallufloor.bound;

/** {@code L(eps0) = ln((1 - eps0) / eps0)}, its inverse and {@code M'(eps0, T)} of THEORY 3. */
public final class Logit {
  private Logit() {}

  public static double l(double eps0) {
    return Math.log1p(-eps0) - Math.log(eps0);
  }

  /** {@code eps0} with {@code L(eps0) = l}: {@code sigmoid(-l) = 1 / (1 + e^l)}. */
  public static double eps0(double l) {
    return 1 / (1 + Math.exp(l));
  }

  /** {@code log10 sigmoid(-l)}, finite where {@code sigmoid(-l)} underflows. */
  public static double log10Eps0(double l) {
    double lnEps0 = l > 0 ? -l - Math.log1p(Math.exp(-l)) : -Math.log1p(Math.exp(l));
    return lnEps0 / Math.log(10);
  }

  /** The evidence margin {@code M'(eps0, T) = T L(eps0) / beta_S}. */
  public static double mPrime(double eps0, double temperature, double betaS) {
    return temperature * l(eps0) / betaS;
  }
}
