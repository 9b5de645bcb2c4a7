# R's t.test / wilcox.test results for fixed cases, the reference for hardenlab's inference functions.
num <- function(x) if (length(x) == 1 && is.na(x)) "null" else sprintf("%.17g", x)
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
cases <- list(
  list(name = "small-no-ties", a = c(12.1, 13.4, 11.8, 14.2, 12.9), b = c(10.2, 11.1, 10.8, 12.5)),
  list(name = "ties", a = c(3, 4, 4, 5, 6, 6, 7), b = c(1, 2, 4, 4, 5, 3)),
  list(name = "overlap-no-ties", a = c(41.2, 39.8, 44.1, 40.7, 42.3, 38.9), b = c(40.1, 41.7, 39.2, 43.3, 37.6, 42.8)),
  list(name = "large", a = sin(1:60) * 3 + 50, b = cos(1:55) * 2 + 49.5),
  list(name = "two-each", a = c(1.5, 2.25), b = c(1, 1.25))
)
out <- character()
for (k in cases) {
  tt <- t.test(k$a, k$b)
  w <- suppressWarnings(wilcox.test(k$a, k$b))
  ci <- t.test(k$a)$conf.int
  out <- c(out, sprintf(
    '  "%s": {"a": %s, "b": %s, "welch": {"t": %s, "df": %s, "p": %s}, "wilcox": {"W": %s, "p": %s}, "ciA": [%s, %s], "meanA": %s}',
    k$name, vec(k$a), vec(k$b), num(tt$statistic), num(tt$parameter), num(tt$p.value),
    num(w$statistic), num(w$p.value), num(ci[1]), num(ci[2]), num(mean(k$a))))
}
cat("{\n", paste(out, collapse = ",\n"), "\n}\n", sep = "")
