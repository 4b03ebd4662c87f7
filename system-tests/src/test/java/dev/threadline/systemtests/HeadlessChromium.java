package dev.threadline.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver (Selenium): nothing is
 * downloaded. The flags are those this machine needs as root with no internet: no sandbox, no GPU,
 * no background connections (they would be refused by the closed network, many at a time), and a
 * fresh profile per start.
 */
final class HeadlessChromium implements AutoCloseable {

  static final Path CHROMIUM =
      Path.of(System.getProperty("threadline.chromium", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER =
      Path.of(System.getProperty("threadline.chromedriver", "/usr/bin/chromedriver"));

  // Selenium looks for a DevTools (CDP) binding of this Chromium's version, warns that it has
  // none, and carries on: plain WebDriver needs none. Held here: JUL keeps loggers weakly.
  private static final Logger CDP_VERSION_FINDER =
      quiet("org.openqa.selenium.devtools.CdpVersionFinder");
  private static final Logger CHROMIUM_DRIVER =
      quiet("org.openqa.selenium.chromium.ChromiumDriver");

  private final Path profile;
  private final ChromeDriver driver;

  private HeadlessChromium(Path profile, ChromeDriver driver) {
    this.profile = profile;
    this.driver = driver;
  }

  /** True when both Debian packages (chromium, chromium-driver) are installed. */
  static boolean installed() {
    return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
  }

  static HeadlessChromium start(Path logs) {
    try {
      Files.createDirectories(logs);
      Path profile = Files.createTempDirectory("threadline-chromium-");
      ChromeDriverService service =
          new ChromeDriverService.Builder()
              .usingDriverExecutable(CHROMEDRIVER.toFile())
              .usingAnyFreePort()
              .withLogFile(logs.resolve("chromedriver.log").toFile())
              .build();
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM.toFile());
      options.addArguments(
          "--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--window-size=1000,1100",
          "--user-data-dir=" + profile);
      return new HeadlessChromium(profile, new ChromeDriver(service, options));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Logger quiet(String name) {
    Logger logger = Logger.getLogger(name);
    logger.setLevel(Level.SEVERE);
    return logger;
  }

  ChromeDriver driver() {
    return driver;
  }

  /** Runs a script in the page; {@code arguments[i]} are the extra values. */
  Object script(String script, Object... arguments) {
    return driver.executeScript(script, arguments);
  }

  void screenshot(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (IOException e) {
        // a temp directory left behind
      }
    }
  }
}
