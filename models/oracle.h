/* Oracles: the closed forms of the reduced models that `bwsim validate`
 * (sim/validate_checks.c) and the tests (tests/test_model.c,
 * tests/test_counts.c) hold the kernels to (docs/model.md §10.1, §3.1, §15).
 * Pure functions of their arguments: no params, no state, no random numbers.
 * tests/test_oracle.c checks each against an independent computation.
 *
 * Interface map:
 *   immigration–death (§10.1): a stock n0 at t = 0, Poisson entries at rate
 *   lam a year, exponential stays of mean m. The count in care at t is
 *   N(t) = Binomial(n0, q) + Poisson(lam m (1 - q)), q = e^(-t/m),
 *   independent (a thinned Poisson process):
 *     bw_oracle_id_count         mean, variance and fourth cumulant of N(t);
 *     bw_oracle_id_years_stock,  expected client-years in year y, [y, y + 1),
 *     bw_oracle_id_years_entries of the stock and of the entries;
 *     bw_oracle_id_years_var     variance of the client-years of year y.
 *   forward recurrence (§3.1): the residual stay R of a client met in the
 *   middle of a Weibull(k, scale) stay of mean m, P(R > t) = ∫_t^∞ S(u) du / m:
 *     bw_oracle_weibull_scale    scale of the Weibull law of mean m, shape k;
 *     bw_oracle_residual_survival  G(t) = Q(1/k, (t/scale)^k);
 *     bw_oracle_residual_density   -G'(t) = S(t) / m;
 *     bw_oracle_residual_mean_capped  E min(R, H) = ∫_0^H G(t) dt;
 *     bw_oracle_stationary_count   the law of N(t) from a stationary start:
 *       stock n0 with residual stays, entries at n0 / m:
 *       N(t) = Binomial(n0, G(t)) + Poisson(n0 (1 - G(t))). */
#ifndef BW_ORACLE_H
#define BW_ORACLE_H

/* Mean, variance and fourth cumulant of a count. */
typedef struct {
  double mean, var, k4;
} bw_oracle_law;

/* N(t) of the immigration–death model: mean n0 q + lam m (1 - q), variance
 * n0 q (1 - q) + lam m (1 - q), fourth cumulant
 * n0 q (1 - q)(1 - 6 q (1 - q)) + lam m (1 - q) (cumulants add). */
bw_oracle_law bw_oracle_id_count(double n0, double lam, double m, double t);

/* ∫_y^{y+1} E N(t) dt split into the stock's part, n0 m (e^(-y/m) -
 * e^(-(y+1)/m)), and the entries', lam m (1 - m (e^(-y/m) - e^(-(y+1)/m))). */
double bw_oracle_id_years_stock(double n0, double m, double y);
double bw_oracle_id_years_entries(double lam, double m, double y);

/* Var ∫_y^{y+1} N(t) dt: a client's time in year y is f = |[a, a + D] ∩
 * [y, y + 1]|; the stock is n0 independent clients, the entrants a Poisson
 * process (Campbell: Var Σ f = lam ∫ E f(a)² da). With μ = 1/m:
 *   n0 (2 e^(-μy) I1 - (e^(-μy) (1 - e^(-μ)) / μ)²) + lam (2 I1 (1 - e^(-μy)) / μ + J),
 *   I1 = (1 - e^(-μ) (1 + μ)) / μ²,  J = 2 / μ² (1 - (2 - e^(-μ) (2 + μ)) / μ). */
double bw_oracle_id_years_var(double n0, double lam, double m, double y);

/* m / Γ(1 + 1/k). */
double bw_oracle_weibull_scale(double m, double k);

/* P(R > t) = Q(1/k, (t/scale)^k) (1 for t <= 0; NaN if GSL fails). */
double bw_oracle_residual_survival(double t, double k, double scale);

/* The density of R, exp(-(t/scale)^k) / m (m the mean of the stay). */
double bw_oracle_residual_density(double t, double k, double scale, double m);

/* E min(R, H) = ∫_0^H G(t) dt by Simpson's rule on 2,000 intervals. */
double bw_oracle_residual_mean_capped(double H, double k, double scale);

/* N(t) from a stationary start whose stock n0 still in care at t has
 * probability G = G(t): mean n0, variance n0 (1 - G²), fourth cumulant of
 * Binomial(n0, G) + Poisson(n0 (1 - G)). */
bw_oracle_law bw_oracle_stationary_count(double n0, double G);

#endif
