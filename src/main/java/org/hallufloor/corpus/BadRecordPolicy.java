package org.hallufloor.corpus;

/** What a bad input record does to the run (key {@code hallufloor.bad-records}). */
public enum BadRecordPolicy {
  /** The run fails with exit 3, naming the file, the record and the reason. */
  FAIL,
  /** The record is counted in {@code runs.bad_records} and left out. */
  SKIP,
  /** As SKIP, and the record is written to the {@code bad_records} table. */
  QUARANTINE
}
