package org.hallufloor.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The java.nio file system leaves every file and folder with the mode Hadoop's own local file
 * system (the second method: its chmod process) gives the same call, and creates checksummed
 * files Hadoop's reads back.
 */
class PosixLocalFileSystemTest {
  @TempDir java.nio.file.Path dir;

  private static FileSystem fileSystem(Class<? extends FileSystem> implementation) throws Exception {
    Configuration conf = new Configuration(false);
    conf.set(PosixLocalFileSystem.KEY, implementation.getName());
    return FileSystem.newInstance(URI.create("file:///"), conf);
  }

  private Set<PosixFilePermission> mode(String name) throws Exception {
    return Files.getPosixFilePermissions(dir.resolve(name));
  }

  @Test
  void everyModeIsTheOneHadoopsChmodGives() throws Exception {
    FileSystem nio = fileSystem(PosixLocalFileSystem.class);
    FileSystem hadoop = fileSystem(LocalFileSystem.class);
    Assertions.assertInstanceOf(PosixLocalFileSystem.class, nio);
    Assertions.assertEquals(LocalFileSystem.class, hadoop.getClass());
    // Each bit alone and each bit cleared (so every bit's place in the mode string is checked
    // both ways), then the modes Spark and Hadoop use: each Hadoop call here starts a process.
    java.util.List<Short> modes = new java.util.ArrayList<>(java.util.List.of((short) 0, (short) 0777, (short) 0755,
        (short) 0644, (short) 0700, (short) 0600));
    for (int bit = 0; bit < 9; bit++) {
      modes.add((short) (1 << bit));
      modes.add((short) (0777 ^ (1 << bit)));
    }
    for (short bits : modes) {
      FsPermission permission = new FsPermission(bits);
      for (String fs : new String[] {"nio", "hadoop"}) {
        Path file = new Path(dir.resolve(fs + "-" + bits).toUri());
        (fs.equals("nio") ? nio : hadoop).create(file).close();
        (fs.equals("nio") ? nio : hadoop).setPermission(file, permission);
      }
      assertEquals(mode("hadoop-" + bits), mode("nio-" + bits), "mode " + Integer.toOctalString(bits));
    }
    // What Spark's writers do: folders and files created with a mode, the data read back.
    FsPermission folderMode = new FsPermission((short) 0750);
    FsPermission fileMode = new FsPermission((short) 0640);
    for (String fs : new String[] {"nio", "hadoop"}) {
      FileSystem f = fs.equals("nio") ? nio : hadoop;
      Path folder = new Path(dir.resolve(fs + "-folder").resolve("nested").toUri());
      Assertions.assertTrue(f.mkdirs(folder, folderMode));
      try (var out = FileSystem.create(f, new Path(folder, "part-0"), fileMode)) {
        out.writeUTF("rows");
      }
    }
    assertEquals(mode("hadoop-folder/nested"), mode("nio-folder/nested"));
    assertEquals(mode("hadoop-folder/nested/part-0"), mode("nio-folder/nested/part-0"));
    try (var in = hadoop.open(new Path(dir.resolve("nio-folder/nested/part-0").toUri()))) {
      assertEquals("rows", in.readUTF(), "Hadoop's file system reads the file and its checksum back");
    }
    Assertions.assertTrue(Files.exists(dir.resolve("nio-folder/nested/.part-0.crc")), "checksummed as Hadoop's is");
    nio.close();
    hadoop.close();
  }
}
