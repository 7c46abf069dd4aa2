import net from 'node:net';

describe('the test suite network guard', () => {
  it('refuses a connection to an address outside loopback', () => {
    expect(() => net.connect({ host: '169.254.169.254', port: 80 })).toThrow(/only loopback addresses/);
    expect(() => net.connect(443, '10.0.0.1')).toThrow(/only loopback addresses/);
  });

  it('allows loopback connections', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
