// Great-circle distance for $near, and the trigonometry it needs.
//
// Why not std::sin/std::cos: their argument reduction for huge inputs
// (__rem_pio2 and its 2.7 KB table of 2/pi's digits) was 4 KB gzip of the
// wasm, for a query operator whose angles are degrees. Here an angle is first
// reduced exactly in degrees (fmod by 360), so the radian argument is within
// 2 pi, where subtracting multiples of pi/2 in two parts loses nothing that
// matters and Taylor polynomials to degree 17 are accurate to ~1e-16.
#pragma once

#include <algorithm>
#include <cmath>

namespace cellgraph::query {

namespace geo_detail {

// sin and cos of r, |r| <= pi/4.
inline double sinKernel(double r) {
  const double r2 = r * r;
  double p = 1.0 / 355687428096000.0;                 // 1/17!
  p = p * r2 - 1.0 / 1307674368000.0;                 // 1/15!
  p = p * r2 + 1.0 / 6227020800.0;                    // 1/13!
  p = p * r2 - 1.0 / 39916800.0;                      // 1/11!
  p = p * r2 + 1.0 / 362880.0;                        // 1/9!
  p = p * r2 - 1.0 / 5040.0;                          // 1/7!
  p = p * r2 + 1.0 / 120.0;                           // 1/5!
  p = p * r2 - 1.0 / 6.0;                             // 1/3!
  return r + r * r2 * p;
}
inline double cosKernel(double r) {
  const double r2 = r * r;
  double p = 1.0 / 6402373705728000.0;                // 1/18!
  p = p * r2 - 1.0 / 20922789888000.0;                // 1/16!
  p = p * r2 + 1.0 / 87178291200.0;                   // 1/14!
  p = p * r2 - 1.0 / 479001600.0;                     // 1/12!
  p = p * r2 + 1.0 / 3628800.0;                       // 1/10!
  p = p * r2 - 1.0 / 40320.0;                         // 1/8!
  p = p * r2 + 1.0 / 720.0;                           // 1/6!
  p = p * r2 - 1.0 / 24.0;                            // 1/4!
  p = p * r2 + 0.5;                                   // 1/2!
  return 1.0 - r2 * p;
}

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
