/* The count kernel's duration laws (counts_internal.h): a Weibull(k) stay of
 * mean m replaced by the phase-type law with the same mean and variance (the
 * two-moment fit described in counts_internal.h, "Durations").
 *
 * Interface: bwc_ph_fit (at workspace creation with the central means, per
 * replication with its multipliers, counts_chain.c); bwc_ph_equilibrium
 * (the stock's phase law, at creation); bw_counts_phase_type (counts.h: the
 * fit's moments, for tests and docs).
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>

#include "counts_internal.h"

void bwc_ph_fit(double mean, double shape, phtype *f) {
  memset(f, 0, sizeof *f);
  double g1 = gsl_sf_gamma(1.0 + 1.0 / shape), g2 = gsl_sf_gamma(1.0 + 2.0 / shape);
  double cv2 = g2 / (g1 * g1) - 1.0;
  if (fabs(cv2 - 1.0) < 1e-12) { /* exponential */
    f->n = 1;
    f->alpha[0] = 1.0;
    f->exit[0] = 1.0 / mean;
  } else if (cv2 < 1.0) { /* Tijms: Erlang(n − 1) w.p. p, else Erlang(n), common rate */
    int n = (int)ceil(1.0 / cv2 - 1e-12);
    if (n < 2) n = 2;
    if (n > MAXPH) n = MAXPH, cv2 = 1.0 / MAXPH;
    double disc = n * (1.0 + cv2) - (double)n * n * cv2;
    double p = (n * cv2 - sqrt(disc > 0 ? disc : 0.0)) / (1.0 + cv2);
    if (p < 0) p = 0;
    double mu = (n - p) / mean;
    f->n = n;
    f->alpha[0] = 1.0;
    for (int i = 0; i < n; i++) f->next[i] = mu;
    f->next[n - 2] = (1.0 - p) * mu;
    f->exit[n - 2] = p * mu;
    f->next[n - 1] = 0.0;
    f->exit[n - 1] = mu;
  } else { /* hyperexponential, balanced means */
    double p1 = 0.5 * (1.0 + sqrt((cv2 - 1.0) / (cv2 + 1.0)));
    f->n = 2;
    f->alpha[0] = p1;
    f->alpha[1] = 1.0 - p1;
    f->exit[0] = 2.0 * p1 / mean;
    f->exit[1] = 2.0 * (1.0 - p1) / mean;
  }
}

/* Forward-recurrence phase law: mean time spent in each phase, normalised. */
void bwc_ph_equilibrium(const phtype *f, double *pi) {
  double reach = 0, sum = 0;
  for (int i = 0; i < f->n; i++) {
    reach += f->alpha[i];
    double rate = f->next[i] + f->exit[i];
    pi[i] = reach / rate;
    sum += pi[i];
    reach *= f->next[i] / rate;
  }
  for (int i = 0; i < f->n; i++) pi[i] /= sum;
}

int bw_counts_phase_type(double mean, double shape, double *m1, double *m2, double *m3) {
  phtype f;
  bwc_ph_fit(mean, shape, &f);
  /* E X^k = k! α (−T)^(−k) 1; −T is upper bidiagonal: back substitution */
  double x[MAXPH], y[MAXPH], z[MAXPH];
  for (int i = f.n - 1; i >= 0; i--) {
    double rate = f.next[i] + f.exit[i], nx = i + 1 < f.n ? f.next[i] : 0.0;
    x[i] = (1.0 + (i + 1 < f.n ? nx * x[i + 1] : 0.0)) / rate;
    y[i] = (x[i] + (i + 1 < f.n ? nx * y[i + 1] : 0.0)) / rate;
    z[i] = (y[i] + (i + 1 < f.n ? nx * z[i + 1] : 0.0)) / rate;
  }
  double a = 0, b = 0, c = 0;
  for (int i = 0; i < f.n; i++) a += f.alpha[i] * x[i], b += f.alpha[i] * y[i], c += f.alpha[i] * z[i];
  *m1 = a;
  *m2 = 2.0 * b;
  *m3 = 6.0 * c;
  return f.n;
}

