// Great-circle distance for $near, and the trigonometry it needs.
//
// Why not std::sin/std::cos: their argument reduction for huge inputs
// (__rem_pio2 and its 2.7 KB table of 2/pi's digits) was 4 KB gzip of the
// wasm, for a query operator whose angles are degrees. Here an angle is first
// reduced exactly in degrees (fmod by 360), so the radian argument is within
// 2 pi, where subtracting multiples of pi/2 in two parts loses nothing that
// matters and Taylor polynomials to degree 17 (sin) and 16 (cos) are
// accurate to ~1e-16.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>

namespace cellgraph::query {

namespace geo_detail {

// (-1)^k / (first + 2k)! for k = 0..8: the Taylor coefficients of sin
// (first = 1) and cos (first = 0). Factorials to 18! are exact in a double.
constexpr std::array<double, 9> taylor(int first) {
  std::array<double, 9> c{};
  double factorial = 1;
  for (int n = 2; n <= first; ++n) factorial *= n;
  for (int k = 0; k < 9; ++k) {
    c[k] = (k % 2 ? -1.0 : 1.0) / factorial;
    factorial *= (first + 2 * k + 1) * (first + 2 * k + 2);
  }
  return c;
}
inline constexpr std::array<double, 9> kSin = taylor(1), kCos = taylor(0);

// sum of c[k] x^k, by Horner's rule.
inline double series(const std::array<double, 9>& c, double x) {
  double p = c[8];
  for (int k = 7; k >= 0; --k) p = p * x + c[k];
  return p;
}

// sin and cos of r, |r| <= pi/4: the first omitted terms are below 1e-16.
inline double sinKernel(double r) { return r * series(kSin, r * r); }
inline double cosKernel(double r) { return series(kCos, r * r); }

// sin (quarter 0) or cos (quarter 1) of an angle in degrees; NaN for a
// non-finite angle.
inline double sinDegreesShifted(double degrees, int quarter) {
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  constexpr double kTwoOverPi = 0.63661977236758134308;
  constexpr double kPiOver2High = 1.5707963267341256e+00;  // pi/2 in two parts: high has 33 bits
  constexpr double kPiOver2Low = 6.0771005065061922e-11;
  const double r = std::fmod(degrees, 360.0) * kRad;  // |r| < 2 pi
  const double k = std::nearbyint(r * kTwoOverPi);     // |k| <= 4
  const double x = (r - k * kPiOver2High) - k * kPiOver2Low;
  switch ((static_cast<int>(k) + quarter) & 3) {
    case 0: return sinKernel(x);
    case 1: return cosKernel(x);
    case 2: return -sinKernel(x);
    default: return -cosKernel(x);
  }
}

}  // namespace geo_detail

inline double sinDegrees(double degrees) { return geo_detail::sinDegreesShifted(degrees, 0); }
inline double cosDegrees(double degrees) { return geo_detail::sinDegreesShifted(degrees, 1); }

// Haversine distance in km between two points given in degrees, on a sphere
// of the Earth's mean radius.
inline double haversineKm(double lat1, double lng1, double lat2, double lng2) {
  constexpr double kEarthKm = 6371.0088;
  const double sLat = sinDegrees((lat2 - lat1) / 2), sLng = sinDegrees((lng2 - lng1) / 2);
  const double h = sLat * sLat + cosDegrees(lat1) * cosDegrees(lat2) * sLng * sLng;
  return 2 * kEarthKm * std::asin(std::min(1.0, std::sqrt(h)));
}

}  // namespace cellgraph::query
