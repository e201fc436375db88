# Reference figures from R's metafor for MetaforDifferentialTests.swift (SYNTHETIC data).
#
# Usage: Rscript metafor-reference.R DIR
#   DIR/studies.csv  dataset,kind,ai,n1i,ci,n2i,m1i,sd1i,m2i,sd2i,yi,sei  (one row per study)
#   DIR/jobs.csv     job,dataset,measure,method,knha,maxiter,level         (one row per model)
# Prints one JSON object per line: {"metafor":"<version>"}, then one object per job with
# the model's figures (17 significant digits, null for NA) or its error message.
# Needs only base R and metafor (no JSON package): CI installs r-cran-metafor alone.

if (!suppressWarnings(requireNamespace("metafor", quietly = TRUE))) {
  cat("metafor is not installed\n", file = stderr())
  quit(status = 3)
}
suppressMessages(library(metafor))

dir <- commandArgs(trailingOnly = TRUE)[1]
studies <- read.csv(file.path(dir, "studies.csv"), stringsAsFactors = FALSE)
jobs <- read.csv(file.path(dir, "jobs.csv"), stringsAsFactors = FALSE)

num <- function(x) if (length(x) != 1 || is.null(x) || !is.finite(x)) "null" else sprintf("%.17g", x)
vec <- function(x) paste0("[", paste(vapply(as.numeric(x), num, ""), collapse = ","), "]")
text <- function(x) paste0('"', gsub('["\\\\]', "'", gsub("[\r\n]+", " ", x)), '"')

cat(sprintf('{"metafor":"%s"}\n', as.character(packageVersion("metafor"))))

effect.sizes <- list()   # escalc once per dataset and measure

for (j in seq_len(nrow(jobs))) {
  job <- jobs[j, ]
  d <- studies[studies$dataset == job$dataset, ]
  method <- toupper(job$method)   # FE, DL, REML or MH
  test <- if (job$knha == 1) "knha" else "z"
  control <- list(maxiter = job$maxiter)
  line <- tryCatch(suppressWarnings({
    key <- paste(job$dataset, job$measure)
    es <- effect.sizes[[key]]
    if (is.null(es)) {
      es <- switch(d$kind[1],
        binary = escalc(measure = job$measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i),
        continuous = escalc(measure = job$measure, m1i = d$m1i, sd1i = d$sd1i, n1i = d$n1i, m2i = d$m2i, sd2i = d$sd2i, n2i = d$n2i),
        list(yi = d$yi, vi = d$sei^2))
      effect.sizes[[key]] <- es
    }
    # rma() on escalc's yi and vi is what rma(measure = …, ai = …) does internally.
    res <- if (method == "MH") {
      rma.mh(measure = job$measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, level = job$level)
    } else {
      rma(yi = es$yi, vi = es$vi, method = method, test = test, control = control, level = job$level)
    }
    z <- qnorm((100 - job$level) / 200, lower.tail = FALSE)   # as summary.escalc(level = ...)
    pi <- if (method %in% c("DL", "REML")) predict(res) else list(pi.lb = NA, pi.ub = NA)
    paste0('{"job":', text(job$job), ',"ok":true',
           ',"estimate":', num(res$beta[1]), ',"se":', num(res$se), ',"ci_lb":', num(res$ci.lb), ',"ci_ub":', num(res$ci.ub),
           ',"stat":', num(res$zval), ',"p":', num(res$pval),
           ',"tau2":', num(res$tau2), ',"I2":', num(res$I2), ',"H2":', num(res$H2),
           ',"QE":', num(res$QE), ',"QEp":', num(res$QEp),
           ',"pi_lb":', num(pi$pi.lb), ',"pi_ub":', num(pi$pi.ub),
           ',"yi":', vec(es$yi), ',"vi":', vec(es$vi),
           ',"ci_lb_i":', vec(es$yi - z * sqrt(es$vi)), ',"ci_ub_i":', vec(es$yi + z * sqrt(es$vi)),
           ',"weights":', vec(weights(res)), '}')
  }), error = function(e) paste0('{"job":', text(job$job), ',"ok":false,"error":', text(conditionMessage(e)), '}'))
  cat(line, "\n", sep = "")
}
