// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title CertificateNumbers
/// @notice Human-readable certificate numbers from the chain's clock: `yyyymmdd` in China Standard Time (UTC+8)
/// followed by a four-digit daily sequence, e.g. `202503010001`.
library CertificateNumbers {
    /// @notice Offset of China Standard Time from UTC.
    uint256 internal constant CST_OFFSET = 8 hours;
    /// @notice Largest daily sequence that fits the four digits of the format.
    uint32 internal constant MAX_SEQUENCE = 9999;

    /// @notice The calendar date of `timestamp` in China Standard Time, as the number yyyymmdd.
    /// @dev Howard Hinnant's days-to-civil algorithm on the proleptic Gregorian calendar.
    function dayOf(uint256 timestamp) internal pure returns (uint32) {
        unchecked {
            uint256 z = (timestamp + CST_OFFSET) / 1 days + 719468;
            uint256 era = z / 146097;
            uint256 doe = z - era * 146097;
            uint256 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            uint256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            uint256 mp = (5 * doy + 2) / 153;
            uint256 day = doy - (153 * mp + 2) / 5 + 1;
            uint256 month = mp < 10 ? mp + 3 : mp - 9;
            uint256 year = yoe + era * 400 + (month <= 2 ? 1 : 0);
            // casting to uint32 is safe: yyyymmdd stays below 2^32 until the year 429,496
            // forge-lint: disable-next-line(unsafe-typecast)
            return uint32(year * 10000 + month * 100 + day);
        }
    }

    /// @notice The certificate number of the `sequence`-th certificate of day `yyyymmdd`.
    function format(uint32 yyyymmdd, uint32 sequence) internal pure returns (uint64) {
        return uint64(yyyymmdd) * 10000 + sequence;
    }
}
