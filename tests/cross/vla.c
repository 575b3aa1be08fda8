/* Variable-length arrays and bit-fields across snapshots and hosts: an
   outer VLA matrix lives through the whole run, each round declares VLAs
   of its own (freed every iteration, some left by continue), and a
   packed record of bit-fields counts the rounds; nearly every safepoint
   has VLAs live. Their storage is VM heap and their addresses and
   lengths are IR locals, so a snapshot at any point resumes on another
   engine or architecture with the same output.
   usage: vla [N]   (rounds, default 60) */
#include <stdio.h>
#include <stdlib.h>

struct tally {
    unsigned rounds : 10;
    int balance : 7;
    unsigned parity : 1;
    unsigned long long mix : 45;
};

static void step(int n, double m[n][n], int round) {
    double row[n];
    for (int j = 0; j < n; j++)
        row[j] = m[round % n][j];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            m[i][j] = (m[i][j] * 3 + row[(i + j) % n]) / 4 + i - j;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 60;
    int n = 7;
    double m[n][n];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            m[i][j] = i * n + j;
    struct tally t = { 0, 0, 0, 1 };
    for (int r = 0; r < rounds; r++) {
        int k = 3 + r % 5;
        long scratch[k][k + 1];
        for (int i = 0; i < k; i++)
            for (int j = 0; j <= k; j++)
                scratch[i][j] = (long)(m[i % n][j % n] * 100) ^ (i * j + r);
        step(n, m, r);
        t.rounds++;
        t.balance += r % 2 ? 3 : -2;
        t.parity ^= scratch[k - 1][k] & 1;
        t.mix = t.mix * 31 + (unsigned long long)scratch[0][k];
        if (r % 7 == 0) {
            printf("round %d: k=%d size=%zu\n", r, k, sizeof scratch);
            continue;
        }
        if (r % 10 == 3)
            printf("m[1][2]=%.6f last=%ld\n", m[1][2], scratch[k - 1][k]);
    }
    printf("tally %u %d %u %llx\n", t.rounds, t.balance, t.parity, t.mix);
    double total = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            total += m[i][j];
    printf("total %.6f\n", total);
    return 0;
}
