package org.hallufloor.corpus;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Expands {@code input.paths} (files, folders, globs, any Hadoop file system) into shards on the
 * driver. Paths that name nothing are returned as problems, never silently dropped.
 */
public final class InputFiles {
  private InputFiles() {}

  public record Listing(List<InputFile> files, List<BadRecord> problems) {
    public long bytes() {
      return files.stream().mapToLong(InputFile::bytes).sum();
    }
  }

  public static Listing list(List<String> paths, InputFormat format, Configuration conf) {
    List<InputFile> files = new ArrayList<>();
    List<BadRecord> problems = new ArrayList<>();
    if (format == InputFormat.MEGATRON) {
      for (String p : paths) {
        megatron(p, conf, files, problems);
      }
      // Sorted as other formats are: the order numbers the documents a side table is joined by.
      files.sort((a, b) -> a.path().compareTo(b.path()));
      return new Listing(files, problems);
    }
    for (String p : paths) {
      try {
        Path path = new Path(p);
        FileSystem fs = path.getFileSystem(conf);
        FileStatus[] all = fs.globStatus(path);
        List<FileStatus> matches = new ArrayList<>();
        // What a glob matched below its fixed part is filtered as Hadoop's input formats do.
        Path fixed = isGlob(p) ? fs.makeQualified(fixedPart(p)) : null;
        for (FileStatus status : all == null ? new FileStatus[0] : all) {
          if (fixed == null || !hidden(status.getPath(), fixed)) {
            matches.add(status);
          }
        }
        if (matches.isEmpty()) {
          problems.add(new BadRecord(p, "", isGlob(p) ? "glob matches no file" : "path does not exist", null));
          continue;
        }
        for (FileStatus status : matches) {
          if (status.isDirectory()) {
            int before = files.size();
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(status.getPath(), true);
            while (it.hasNext()) {
              LocatedFileStatus f = it.next();
              if (!hidden(f.getPath(), status.getPath())) {
                add(files, problems, f, format);
              }
            }
            if (files.size() == before) {
              problems.add(new BadRecord(status.getPath().toString(), "", "folder holds no input file", null));
            }
          } else {
            add(files, problems, status, format);
          }
        }
      } catch (IOException e) {
        problems.add(new BadRecord(p, "", "cannot list: " + e.getMessage(), null));
      } catch (IllegalArgumentException e) {
        problems.add(new BadRecord(p, "", "not a valid path: " + e.getMessage(), null));
      }
    }
    files.sort((a, b) -> a.path().compareTo(b.path()));
    return new Listing(files, problems);
  }

  /**
   * A Megatron dataset is named by its prefix (or its .bin or .idx file); a folder stands for
   * every dataset in it. Its listed size is that of its .bin.
   */
  private static void megatron(String p, Configuration conf, List<InputFile> files, List<BadRecord> problems) {
    String prefix = p.endsWith(".bin") || p.endsWith(".idx") ? p.substring(0, p.length() - 4) : p;
    try {
      Path path = new Path(prefix);
      FileSystem fs = path.getFileSystem(conf);
      if (fs.exists(path) && fs.getFileStatus(path).isDirectory()) {
        int before = files.size();
        for (FileStatus f : fs.listStatus(path)) {
          if (f.getPath().getName().endsWith(".idx")) {
            String name = f.getPath().toString();
            megatron(name.substring(0, name.length() - 4), conf, files, problems);
          }
        }
        if (files.size() == before) {
          problems.add(new BadRecord(prefix, "", "folder holds no Megatron .idx file", null));
        }
        return;
      }
      Path bin = new Path(prefix + ".bin");
      if (!fs.exists(new Path(prefix + ".idx")) || !fs.exists(bin)) {
        problems.add(new BadRecord(prefix, "", "no Megatron dataset: " + prefix + ".idx and " + prefix
            + ".bin must both exist", null));
        return;
      }
      files.add(new InputFile(fs.makeQualified(new Path(prefix)).toString(), fs.getFileStatus(bin).getLen(),
          InputFormat.MEGATRON));
    } catch (IOException | IllegalArgumentException e) {
      problems.add(new BadRecord(prefix, "", "cannot list: " + e.getMessage(), null));
    }
  }

  private static void add(List<InputFile> files, List<BadRecord> problems, FileStatus f, InputFormat configured) {
    InputFormat format = configured == InputFormat.AUTO ? InputFormat.forFileName(f.getPath().getName()) : configured;
    if (format == null) {
      problems.add(new BadRecord(f.getPath().toString(), "",
          "cannot tell the format from the file name; set hallufloor.input.format", null));
    } else {
      files.add(new InputFile(f.getPath().toString(), f.getLen(), format));
    }
  }

  /** Spark's and Hadoop's own markers (_SUCCESS, .crc files, _temporary) are not shards. */
  private static boolean hidden(Path file, Path root) {
    for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
      String name = p.getName();
      if (name.startsWith("_") || name.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** The folders of a glob pattern before its first component with a wildcard. */
  private static Path fixedPart(String pattern) {
    String[] parts = pattern.split("/", -1);
    StringBuilder fixed = new StringBuilder();
    for (int i = 0; i < parts.length - 1 && !isGlob(parts[i]); i++) {
      fixed.append(parts[i]).append('/');
    }
    return new Path(fixed.length() == 0 ? "." : fixed.toString());
  }

  private static boolean isGlob(String p) {
    return p.indexOf('*') >= 0 || p.indexOf('?') >= 0 || p.indexOf('[') >= 0 || p.indexOf('{') >= 0;
  }
}
