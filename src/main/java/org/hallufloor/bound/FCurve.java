package org.hallufloor.bound;

/** One point of the f(eps0) curve of a spectrum: real f, Markov's lower bound, and g = eps0 f. */
public record FCurve(double eps0, double mPrime, double f, double fMarkovLower, double g, double gMarkov) {

  /**
   * At {@code eps0}: {@code M' = T L(eps0) / beta_S}, {@code f = P(Evid < M')}, and Markov's
   * {@code f >= 1 - mean / M'}, clipped at 0 where it says nothing.
   */
  public static FCurve at(Spectrum spectrum, double eps0, double betaS, double temperature) {
    double mPrime = Logit.mPrime(eps0, temperature, betaS);
    double f = spectrum.fractionBelow(mPrime);
    double markov = mPrime <= 0 ? 0 : Math.max(0, 1 - Math.pow(10, spectrum.log10Mean() - Math.log10(mPrime)));
    return new FCurve(eps0, mPrime, f, markov, eps0 * f, eps0 * markov);
  }
}
