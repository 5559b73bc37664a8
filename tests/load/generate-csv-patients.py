#!/usr/bin/env python3
"""Writes an MCQ patients export (the English layout of config/csv-layouts.json) of N invented people.

Usage: generate-csv-patients.py <rows> <output.csv>
Every NAM agrees with its row's birth date and sex, every NAM and MRN is unique: all rows are accepted.
"""
import sys

def letters(i):
    s = ""
    for _ in range(4):
        s += chr(ord("A") + i % 26)
        i //= 26
    return s

def main():
    rows, path = int(sys.argv[1]), sys.argv[2]
    cities = ["Trois-Rivières", "Drummondville", "Victoriaville", "Shawinigan"]
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("health_number,mrn,last_name,first_name,dob,sex,street,city,province,postal_code,phone,extracted_at\n")
        for i in range(rows):
            year, month, day = 1930 + i % 90, 1 + i % 12, 1 + i % 28
            female = i % 2 == 0
            nam = f"{letters(i % 456976)}{year % 100:02d}{month + (50 if female else 0):02d}{day:02d}{i // 456976:02d}"
            out.write(f"{nam},MCQ{i:08d},Testeur{i % 997},Personne{i % 113},{year:04d}-{month:02d}-{day:02d},{'F' if female else 'M'},"
                      f"{i % 9000 + 1} rue Fictive,{cities[i % 4]},QC,G9A 5H7,819-555-{i % 10000:04d},2026-11-20 08:00:00\n")

if __name__ == "__main__":
    main()
