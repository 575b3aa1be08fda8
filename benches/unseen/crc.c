#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
static uint32_t table[256];
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 50000000;
  for (uint32_t i = 0; i < 256; i++) { uint32_t c = i; for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1; table[i] = c; }
  unsigned char *buf = malloc(4096); for (int i = 0; i < 4096; i++) buf[i] = (unsigned char)(i * 131 + 7);
  uint32_t crc = 0xFFFFFFFFu;
  for (int i = 0; i < n; i++) crc = table[(crc ^ buf[i & 4095]) & 0xFF] ^ (crc >> 8);
  printf("%08x\n", crc ^ 0xFFFFFFFFu); return 0; }
