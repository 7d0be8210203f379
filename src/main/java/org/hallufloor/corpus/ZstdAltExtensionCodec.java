package org.hallufloor.corpus;

import io.airlift.compress.zstd.ZstdCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hadoop.conf.Configurable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionInputStream;
import org.apache.hadoop.io.compress.CompressionOutputStream;
import org.apache.hadoop.io.compress.Compressor;
import org.apache.hadoop.io.compress.Decompressor;

/**
 * aircompressor's pure-Java zstd under the extension ".zstd" (its own codec claims ".zst" and
 * fixes the extension), so that "shard.jsonl.zstd" is decompressed, not read as garbage.
 */
public final class ZstdAltExtensionCodec implements CompressionCodec, Configurable {
  private final ZstdCodec zstd = new ZstdCodec();

  @Override
  public String getDefaultExtension() {
    return ".zstd";
  }

  @Override
  public void setConf(Configuration conf) {
    zstd.setConf(conf);
  }

  @Override
  public Configuration getConf() {
    return zstd.getConf();
  }

  @Override
  public CompressionOutputStream createOutputStream(OutputStream out) throws IOException {
    return zstd.createOutputStream(out);
  }

  @Override
  public CompressionOutputStream createOutputStream(OutputStream out, Compressor compressor) throws IOException {
    return zstd.createOutputStream(out, compressor);
  }

  @Override
  public Class<? extends Compressor> getCompressorType() {
    return zstd.getCompressorType();
  }

  @Override
  public Compressor createCompressor() {
    return zstd.createCompressor();
  }

  @Override
  public CompressionInputStream createInputStream(InputStream in) throws IOException {
    return zstd.createInputStream(in);
  }

  @Override
  public CompressionInputStream createInputStream(InputStream in, Decompressor decompressor) throws IOException {
    return zstd.createInputStream(in, decompressor);
  }

  @Override
  public Class<? extends Decompressor> getDecompressorType() {
    return zstd.getDecompressorType();
  }

  @Override
  public Decompressor createDecompressor() {
    return zstd.createDecompressor();
  }
}
