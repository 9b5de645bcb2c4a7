# R's view of sysstat files: reads sar text (`sar -u`, `sar -r`, both, 12-hour clock, decimal comma) or
# `sadf -d` files with base R (readLines + read.table) and prints, per file, n, mean, boxplot.stats(x)$stats and
# $out of CPU used (100 - %idle, all-CPU rows) and %memused as JSON. This is an independent reading of the
# files, used to check hardenlab's parsers and statistics. Usage: Rscript sysstat-boxplot.R FILE...
num <- function(x) sprintf("%.17g", x)
stats_json <- function(x) {
  b <- boxplot.stats(x)
  sprintf('{"n": %d, "mean": %s, "box": [%s], "outliers": %d, "out": [%s]}', length(x), num(mean(x)),
          paste(num(b$stats), collapse = ", "), length(b$out), paste(num(b$out), collapse = ", "))
}
read_sadf <- function(lines) {
  headers <- grepl("^#", lines)
  section <- cumsum(headers)
  keep <- !headers & nzchar(lines) & !grepl("LINUX-RESTART|;COM ", lines)
  out <- list(cpu = numeric(), ram = numeric())
  for (s in unique(section[keep])) {
    cols <- strsplit(sub("^# *", "", lines[headers][s]), ";")[[1]]
    rows <- lines[keep & section == s]
    d <- read.table(text = gsub(",", ".", rows), sep = ";", col.names = make.names(cols), check.names = FALSE,
                    colClasses = c("character", "numeric", "character", rep("numeric", length(cols) - 3)))
    if ("%idle" %in% cols) out$cpu <- c(out$cpu, 100 - d[d$CPU == -1, make.names("%idle")])
    if ("%memused" %in% cols) out$ram <- c(out$ram, d[[make.names("%memused")]])
  }
  out
}
read_sar <- function(lines) {
  lines <- sub("^([0-9]{1,2}:[0-9]{2}:[0-9]{2}) (AM|PM)", "\\1", trimws(lines))
  timed <- grepl("^[0-9]{1,2}:[0-9]{2}:[0-9]{2} ", lines) & !grepl("RESTART", lines)
  tokens <- strsplit(lines, "[[:space:]]+")
  second <- vapply(tokens, function(t) if (length(t) > 1) t[2] else "", "")
  is_header <- timed & !grepl("^-?[0-9]", second) & second != "all"
  section <- cumsum(is_header)
  out <- list(cpu = numeric(), ram = numeric())
  for (s in unique(section[timed & !is_header & section > 0])) {
    cols <- tokens[is_header][[s]][-1]
    rows <- lines[timed & !is_header & section == s]
    d <- read.table(text = gsub(",", ".", rows), col.names = c("time", cols), check.names = FALSE)
    if ("%idle" %in% cols) out$cpu <- c(out$cpu, 100 - d[d$CPU == "all", "%idle"])
    if ("%memused" %in% cols) out$ram <- c(out$ram, d[["%memused"]])
  }
  out
}
files <- commandArgs(trailingOnly = TRUE)
entries <- character()
for (f in files) {
  lines <- readLines(f, warn = FALSE)
  v <- if (any(grepl("^# hostname;", lines))) read_sadf(lines) else read_sar(lines)
  parts <- character()
  if (length(v$cpu)) parts <- c(parts, sprintf('"cpu": %s', stats_json(v$cpu)))
  if (length(v$ram)) parts <- c(parts, sprintf('"ram": %s', stats_json(v$ram)))
  entries <- c(entries, sprintf('  "%s": {%s}', basename(f), paste(parts, collapse = ", ")))
}
cat("{\n", paste(entries, collapse = ",\n"), "\n}\n", sep = "")
