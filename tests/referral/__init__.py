"""Tests of the referral app."""
