package org.hallufloor.output;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system ({@code file:}) with permissions set through java.nio. Without
 * Hadoop's native library, which a Maven build or a pip-installed Spark does not have,
 * RawLocalFileSystem starts a {@code chmod} process for every file and folder it creates: 5.5 ms
 * each on the build machine against 0.01 ms through java.nio, and a local run creates hundreds
 * (README, local runs). Sessions with a local master use it ({@code job.HallufloorJob}); a
 * cluster's file systems are not touched.
 */
public class PosixLocalFileSystem extends LocalFileSystem {
  /** The name Hadoop's {@code fs.file.impl} key takes. */
  public static final String KEY = "fs.file.impl";

  public PosixLocalFileSystem() {
    super(new Raw());
  }

  /** The raw file system under the checksums, where creating a file or folder sets its mode. */
  static final class Raw extends RawLocalFileSystem {
    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      // java.nio has no sticky bit; such a mode (never one Spark or hallufloor asks for) goes to chmod.
      if (permission.getStickyBit()) {
        super.setPermission(p, permission);
        return;
      }
      try {
        Files.setPosixFilePermissions(pathToFile(p).toPath(),
            PosixFilePermissions.fromString(permission.toString().substring(0, 9)));
      } catch (UnsupportedOperationException notPosix) {
        super.setPermission(p, permission);
      }
    }
  }
}
