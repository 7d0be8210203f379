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
    for (String p : paths) {
      try {
        Path path = new Path(p);
        FileSystem fs = path.getFileSystem(conf);
        FileStatus[] matches = fs.globStatus(path);
        if (matches == null || matches.length == 0) {
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

  private static boolean isGlob(String p) {
    return p.indexOf('*') >= 0 || p.indexOf('?') >= 0 || p.indexOf('[') >= 0 || p.indexOf('{') >= 0;
  }
}
