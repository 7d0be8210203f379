package org.hallufloor.corpus;

/** Bad input that the configuration says must fail the run (exit 3); the message names file and reason. */
public final class BadInputException extends RuntimeException {
  public BadInputException(String message) {
    super(message);
  }
}
