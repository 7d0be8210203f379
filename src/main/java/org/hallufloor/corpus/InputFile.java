package org.hallufloor.corpus;

import java.io.Serializable;

/** One shard to read, as listed on the driver. */
public record InputFile(String path, long bytes, InputFormat format) implements Serializable {}
